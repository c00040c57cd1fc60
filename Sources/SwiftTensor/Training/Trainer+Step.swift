// One training step: record, backpropagate, check that the loss and gradient norm are finite,
// then update (see `Trainer.trainStep(on:)`).

extension Trainer {
  /// `trainStep(on:)`, giving also the error of a step skipped by the policy.
  @inlinable
  func runStep(
    on batch: Batch<Scalar>, epoch: Int?, position: Int?
  ) throws(NonFiniteStepError) -> (
    loss: Double, output: Tensor<Scalar>, skipped: NonFiniteStepError?, gradientNorm: Double
  ) {
    // A data-parallel rank may have no share of a short last batch; it still joins the sum.
    tensorPrecondition(batch.count > 0 || dataParallel != nil, "Trainer: empty batch")
    let tape = Tape<Scalar>()
    if detectsAnomalies { tape.detectsAnomalies = true }
    // A training forward pass updates the buffers (running statistics) as it goes; a step
    // that updates nothing must put them back. Keeping the values costs a retain each.
    let buffers = bufferVariables.map(\.value)
    var (loss, output) = batch.count > 0 ? backpropagate(batch, on: tape) : idleStep()
    if dataParallel != nil { loss = reduceStep(loss: loss, count: batch.count) }
    var failure: (NonFiniteStepError.Quantity, Double)? = nil
    var norm = Scalar.nan
    if !loss.isFinite {
      failure = (.loss, Double(loss))
    } else {
      // Clipping measures the norm anyway (and leaves a non-finite one unclipped or NaN).
      norm =
        maximumGradientNorm.map { clipGradients(parameters, maximumNorm: $0) }
        ?? squaredGradientNorm().squareRoot()
      if !norm.isFinite { failure = (.gradientNorm, Double(norm)) }
    }
    if let (quantity, value) = failure {
      let error = NonFiniteStepError(
        step: stepCount, epoch: epoch, batch: position, quantity: quantity, value: value,
        anomaly: tape.firstAnomaly ?? firstAnomaly(of: batch))
      for (variable, value) in zip(bufferVariables, buffers) { variable.value = value }
      switch nonFinitePolicy {
      case .stop: throw error
      case .skipBatch: break
      case .reduceLearningRate(let factor):
        learningRateScale *= factor
        if schedule == nil { optimizer.learningRate *= Scalar(factor) }
      }
      stepCount += 1
      return (Double(loss), output, error, Double(norm))
    }
    if let schedule {
      optimizer.learningRate = Scalar(
        schedule.learningRate(at: stepCount) * learningRateScale)
    }
    optimizer.step(parameters)
    stepCount += 1
    return (Double(loss), output, nil, Double(norm))
  }

  /// `Σ g²` over every parameter's gradient: non-finite exactly when some gradient is, or when
  /// the norm overflows.
  @inlinable
  func squaredGradientNorm() -> Scalar {
    // Through the buffer, so the loop retains neither the variables nor their gradients.
    parameterVariables.withUnsafeBufferPointer { variables in
      var total: Scalar = 0
      for index in variables.indices {
        variables[index].gradient?.withUnsafeBufferPointer { gradient in
          if let base = gradient.baseAddress {
            total += FiniteKernels.sumOfSquares(base, count: gradient.count)
          }
        }
      }
      return total
    }
  }

  /// Records the step's forward pass on `tape` and backpropagates the loss into the
  /// parameters' gradients; returns the loss and the output.
  @inlinable
  func backpropagate(
    _ batch: Batch<Scalar>, on tape: Tape<Scalar>
  ) -> (loss: Scalar, output: Tensor<Scalar>) {
    // One loop, as each pass over the parameters retains and releases every one of them.
    for variable in parameterVariables {
      tape.watch(variable)
      variable.setGradientAside()
    }
    let input = Variable(batch.inputs, trainable: false)
    let context = LayerContext(
      isTraining: true,
      seed: mix(seed, UInt64(stepCount)) &+ UInt64(dataParallel?.communicator.rank ?? 0))
    let output = model.forward(input, context: context)
    let value = loss(output, batch)
    value.backward()
    // Through the buffer, as in `squaredGradientNorm`: no retain and release per variable.
    parameterVariables.withUnsafeBufferPointer { variables in
      for index in variables.indices { variables[index].settleGradient() }
    }
    return (value.value.scalar, output.value)
  }

  /// Records the step on `batch` once more on a tape that detects anomalies, and returns the
  /// first: what a non-finite step reports when detection was off.
  @usableFromInline
  func firstAnomaly(of batch: Batch<Scalar>) -> TapeAnomaly? {
    guard batch.count > 0 else { return nil }
    let tape = Tape<Scalar>()
    tape.detectsAnomalies = true
    _ = backpropagate(batch, on: tape)
    return tape.firstAnomaly
  }
}

/// The running sums of metrics over an epoch's samples.
@usableFromInline
struct MetricSums<Scalar: TensorScalar> {
  @usableFromInline let metrics: [any Metric<Scalar>]
  @usableFromInline var sums: [Double]
  /// The samples seen.
  @usableFromInline var count = 0

  @inlinable
  init(_ metrics: [any Metric<Scalar>]) {
    self.metrics = metrics
    sums = Array(repeating: 0, count: metrics.count)
  }

  /// Adds the metrics of one batch, given the model's output on it.
  @inlinable
  mutating func add(_ output: Tensor<Scalar>, _ batch: Batch<Scalar>) {
    guard batch.count > 0 else { return }
    count += batch.count
    for index in metrics.indices { sums[index] += metrics[index].total(output, batch) }
  }

  /// The mean of each metric per sample, by name; empty before any sample.
  @inlinable
  var means: [String: Double] {
    guard count > 0 else { return [:] }
    var result: [String: Double] = [:]
    for (metric, sum) in zip(metrics, sums) { result[metric.name] = sum / Double(count) }
    return result
  }
}

/// A seed for step `n` that does not repeat across steps or collide with nearby seeds.
@usableFromInline
func mix(_ seed: UInt64, _ n: UInt64) -> UInt64 {
  var generator = SeededGenerator(seed: seed ^ (n &* 0x9E37_79B9_7F4A_7C15))
  return generator.next()
}
