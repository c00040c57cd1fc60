import Foundation

/// Trains a model with an optimiser to minimise a loss: epochs of shuffled batches,
/// evaluation, metrics, progress.
///
/// Each step records the forward pass on a fresh tape, backpropagates the mean loss of the
/// batch, optionally clips gradients and sets the learning rate from a schedule, and updates
/// the parameters in place. Everything random (shuffling, dropout) derives from `seed`, so a
/// run is reproducible.
///
/// The loss is any `TrainingLoss` (`.softmaxCrossEntropy`, `.meanSquaredError`, `.ctc()`, a
/// closure, or a type of your own); the trainer is generic over it so that the step stays
/// specialised. The metrics (by default the loss's, accuracy for softmax cross-entropy) are
/// measured on every batch's output and recorded in the history by name.
///
/// ```swift
/// let trainer = Trainer(mlp, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.01))
/// let history = try trainer.fit(digits.train, validation: digits.test, epochs: 40, batchSize: 1)
/// ```
public final class Trainer<M: Model, O: Optimizer, L: TrainingLoss>
where O.Scalar == M.Scalar, L.Scalar == M.Scalar {
  /// The element type.
  public typealias Scalar = M.Scalar
  /// The model being trained.
  public let model: M
  /// The optimiser updating it.
  public let optimizer: O
  /// The loss minimised.
  public let loss: L
  /// The metrics measured on training and validation batches, with distinct names.
  public let metrics: [any Metric<Scalar>]
  // The properties read by every step skip run-time exclusivity checks (three per step cost
  // as much as a small layer's arithmetic); no access to them overlaps another.
  /// A learning-rate schedule, applied before every step, if any.
  @exclusivity(unchecked) public var schedule: (any LearningRateSchedule)?
  /// The global gradient norm is clipped to this, if set.
  @exclusivity(unchecked) public var maximumGradientNorm: Scalar?
  /// The seed of shuffling and dropout.
  public let seed: UInt64
  /// Whether to report progress (a bar on a terminal, one line per epoch otherwise).
  public var reportsProgress = true
  /// What to do when a step's loss or gradient norm is NaN or infinite; `.stop` by default.
  /// The parameters are never updated from such a step.
  ///
  /// - Precondition: a `reduceLearningRate` factor is in `(0, 1)`.
  @exclusivity(unchecked) public var nonFinitePolicy = NonFinitePolicy.stop {
    didSet {
      if case .reduceLearningRate(let factor) = nonFinitePolicy {
        tensorPrecondition(
          factor > 0 && factor < 1,
          "Trainer.nonFinitePolicy: reduceLearningRate factor \(factor) is outside (0, 1)")
      }
    }
  }
  /// Whether every step's tape checks every output and gradient for NaN and infinity
  /// (`Tape.detectsAnomalies`); slow, off by default. Without it a non-finite step is recorded
  /// a second time with the check, to name the operation that produced the value.
  @exclusivity(unchecked) public var detectsAnomalies = false
  /// The factor `NonFinitePolicy.reduceLearningRate` has applied to the schedule's rates.
  @usableFromInline @exclusivity(unchecked) var learningRateScale = 1.0
  /// Steps taken so far (the schedule's clock).
  public var step: Int { stepCount }
  @usableFromInline @exclusivity(unchecked) var stepCount = 0
  /// Epochs completed so far.
  public var epoch: Int { epochCount }
  @usableFromInline var epochCount = 0

  /// Sets the counters from a checkpoint.
  func restoreCounters(step: Int, epoch: Int) {
    stepCount = step
    epochCount = epoch
  }
  @usableFromInline let parameters: [NamedParameter<Scalar>]
  /// The parameters' variables, for the per-step loops that need no paths.
  @usableFromInline let parameterVariables: [Variable<Scalar>]
  /// The buffers' variables (running statistics), put back after a non-finite step.
  @usableFromInline let bufferVariables: [Variable<Scalar>]
  /// The communicator and gradient buckets of data-parallel training; see `distribute(over:bucketBytes:)`.
  @usableFromInline @exclusivity(unchecked) var dataParallel: DataParallelState<Scalar>?

  /// Creates a trainer.
  ///
  /// - Parameters:
  ///   - model: the model to train.
  ///   - loss: the loss to minimise.
  ///   - optimizer: the optimiser that updates the parameters.
  ///   - metrics: what to measure besides the loss; the loss's `defaultMetrics` when `nil`.
  ///   - seed: the seed of shuffling and dropout.
  /// - Precondition: the metrics' names are distinct.
  public init(
    _ model: M, loss: L, optimizer: O, metrics: [any Metric<Scalar>]? = nil, seed: UInt64 = 0
  ) {
    self.model = model
    self.optimizer = optimizer
    self.loss = loss
    self.metrics = metrics ?? loss.defaultMetrics
    self.seed = seed
    model.checkRegistration()
    parameters = model.parameters
    parameterVariables = parameters.map(\.variable)
    bufferVariables = model.buffers.map(\.variable)
    let names = self.metrics.map(\.name)
    tensorPrecondition(
      Set(names).count == names.count, "Trainer: metric names must be distinct, got \(names)")
  }

  /// Creates a trainer that minimises a closure of the model's output and the batch (a scalar
  /// variable: the batch's mean loss); see `CustomLoss`.
  public convenience init(
    _ model: M, loss: @escaping (Variable<Scalar>, Batch<Scalar>) -> Variable<Scalar>,
    optimizer: O, metrics: [any Metric<Scalar>] = [], seed: UInt64 = 0
  ) where L == CustomLoss<M.Scalar> {
    self.init(model, loss: CustomLoss(loss), optimizer: optimizer, metrics: metrics, seed: seed)
  }

  /// One optimisation step on a batch; returns its mean loss and the model's output (for
  /// metrics).
  ///
  /// A step whose loss or gradient norm is not finite updates nothing; it then throws under
  /// `NonFinitePolicy.stop` and returns its non-finite loss under the other policies.
  ///
  /// - Precondition: the batch is not empty and has what the loss needs.
  /// - Throws: `NonFiniteStepError` naming the step and the first operation that produced a
  ///   NaN or an infinity.
  @discardableResult @inlinable
  public func trainStep(
    on batch: Batch<Scalar>
  ) throws(NonFiniteStepError) -> (loss: Double, output: Tensor<Scalar>) {
    let result = try runStep(on: batch, epoch: nil, position: nil)
    return (result.loss, result.output)
  }

  /// Mean loss and accuracy (for classifiers) of the model on batches, in evaluation mode.
  @inlinable
  public func evaluate(_ batches: some Sequence<Batch<Scalar>>) -> (loss: Double, accuracy: Double?)
  {
    let result = evaluateMetrics(batches)
    return (result.loss, result.metrics["accuracy"])
  }

  /// Mean loss and the mean of every metric, by name, of the model on batches, in evaluation
  /// mode.
  @inlinable
  public func evaluateMetrics(
    _ batches: some Sequence<Batch<Scalar>>
  ) -> (
    loss: Double, metrics: [String: Double]
  ) {
    var total = 0.0
    var sums = MetricSums(metrics)
    for batch in batches where batch.count > 0 {
      let output = model.forward(
        Variable(batch.inputs, trainable: false), context: LayerContext(isTraining: false, seed: 0))
      total += Double(loss(output, batch).value.scalar) * Double(batch.count)
      sums.add(output.value, batch)
    }
    return (sums.count > 0 ? total / Double(sums.count) : .nan, sums.means)
  }

  /// Trains for `epochs` epochs over the batches `trainingBatches(epoch)` gives, evaluating on
  /// `validation` after each epoch; stops early when a callback says so.
  ///
  /// - Precondition: the batches have what the loss needs.
  /// - Throws: what a callback throws (a checkpoint that cannot be written).
  @inlinable
  public func fit(
    epochs: Int, trainingBatches: (Int) -> [Batch<Scalar>], validation: [Batch<Scalar>]? = nil,
    callbacks: [any TrainingCallback] = []
  ) throws -> TrainingHistory {
    for batch in validation ?? [] { checkFits(batch, "validation batch") }
    return try fit(epochs: epochs, validation: validation, callbacks: callbacks) { epoch in
      let batches = trainingBatches(epoch)
      for batch in batches { checkFits(batch, "training batch") }
      return (batches, batches.reduce(0) { $0 + $1.count })
    }
  }

  /// The training loop over any sequence of batches per epoch, with the epoch's sample count
  /// (for progress): a lazy sequence builds each batch just before its step, so an epoch never
  /// holds a second copy of the data set.
  @inlinable
  func fit<Batches: Sequence<Batch<Scalar>>>(
    epochs: Int, validation: [Batch<Scalar>]?, callbacks: [any TrainingCallback],
    epochBatches: (Int) -> (batches: Batches, samples: Int)
  ) throws -> TrainingHistory {
    tensorPrecondition(epochs >= 0, "Trainer.fit: epochs must not be negative, got \(epochs)")
    var callbacks = callbacks
    var history = TrainingHistory()
    let progress = ProgressReporter(enabled: reportsProgress)
    for _ in 0..<epochs {
      let start = Date()
      let (batches, total) = epochBatches(epochCount)
      var lossSum = 0.0
      var sums = MetricSums(metrics)
      var (seen, skipped, lastSkip) = (0, 0, NonFiniteStepError?.none)
      for (position, batch) in batches.enumerated() {
        let step = try runStep(on: batch, epoch: epochCount + 1, position: position)
        seen += batch.count
        progress.update(epoch: epochCount + 1, of: epochs, seen: seen, total: total, since: start)
        if !callbacks.isEmpty {
          let record = StepRecord(
            step: stepCount, epoch: epochCount + 1, loss: step.loss,
            gradientNorm: step.gradientNorm, learningRate: Double(optimizer.learningRate),
            samples: batch.count, skipped: step.skipped != nil)
          for index in callbacks.indices { try callbacks[index].stepEnded(record) }
        }
        if let skip = step.skipped {
          (skipped, lastSkip) = (skipped + 1, skip)
          continue
        }
        lossSum += step.loss * Double(batch.count)
        sums.add(step.output, batch)
      }
      // A policy that skips every batch would train nothing, silently.
      if dataParallel != nil { reduceEpoch(&lossSum, &sums) }
      if let lastSkip, sums.count == 0 { throw lastSkip }
      let validationResult = validation.map { evaluateAcrossRanks($0) }
      epochCount += 1
      let record = EpochRecord(
        epoch: epochCount, trainingLoss: sums.count > 0 ? lossSum / Double(sums.count) : .nan,
        validationLoss: validationResult?.loss, trainingMetrics: sums.means,
        validationMetrics: validationResult?.metrics ?? [:],
        seconds: Date().timeIntervalSince(start), skippedBatches: skipped)
      history.epochs.append(record)
      progress.finish(record, of: epochs)
      var goOn = true
      for index in callbacks.indices {
        goOn = try callbacks[index].epochEnded(record) && goOn
      }
      if !goOn { break }
    }
    return history
  }

  /// Stops with a message naming the loss when `batch` lacks what it needs.
  @usableFromInline
  func checkFits(_ batch: Batch<Scalar>, _ role: String) {
    if let needed = loss.missingRequirement(in: batch) {
      tensorFailure(
        "Trainer.fit: a \(role) has \(batch.contentsDescription), but \(loss.name) needs "
          + needed)
    }
  }
}
