import Foundation

/// One batch of training data: inputs, and class labels or regression targets.
public struct Batch<Scalar: TensorScalar> {
  /// The inputs, `[batch, features...]`.
  public var inputs: Tensor<Scalar>
  /// The class of each sample, for classification.
  public var labels: [Int]?
  /// The target of each sample, `[batch, outputs...]`, for regression.
  public var targets: Tensor<Scalar>?

  /// Creates a batch.
  public init(inputs: Tensor<Scalar>, labels: [Int]? = nil, targets: Tensor<Scalar>? = nil) {
    self.inputs = inputs
    self.labels = labels
    self.targets = targets
  }

  /// The number of samples.
  public var count: Int { inputs.shape.first ?? 0 }
}

/// The loss a `Trainer` minimises.
public enum TrainingLoss: Sendable {
  /// Softmax cross-entropy of the model's logits against the batch's labels (mean over the
  /// batch); accuracy is reported too.
  case softmaxCrossEntropy
  /// Mean squared error of the model's outputs against the batch's targets.
  case meanSquaredError

  @inlinable
  func loss<Scalar>(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar> {
    switch self {
    case .softmaxCrossEntropy:
      guard let labels = batch.labels else {
        tensorFailure("Trainer: softmax cross-entropy needs a batch with labels")
      }
      return output.softmaxCrossEntropy(labels: labels)
    case .meanSquaredError:
      guard let targets = batch.targets else {
        tensorFailure("Trainer: mean squared error needs a batch with targets")
      }
      return output.squareLoss(target: Variable(targets, trainable: false))
    }
  }
}

/// Something that watches training and may stop it: early stopping, checkpoints.
public protocol TrainingCallback {
  /// Called after each epoch with its record; return `false` to stop training.
  mutating func epochEnded(_ record: EpochRecord) throws -> Bool
}

/// Stops training when the validation loss (or, without validation, the training loss) has
/// not improved by `minimumImprovement` for `patience` epochs.
public struct EarlyStopping: TrainingCallback {
  /// Epochs without improvement tolerated.
  public let patience: Int
  /// The smallest decrease that counts as an improvement.
  public let minimumImprovement: Double
  private var best = Double.infinity
  private var waited = 0

  /// Creates the callback.
  public init(patience: Int, minimumImprovement: Double = 0) {
    self.patience = patience
    self.minimumImprovement = minimumImprovement
  }

  /// Whether to go on.
  public mutating func epochEnded(_ record: EpochRecord) throws -> Bool {
    let loss = record.validationLoss ?? record.trainingLoss
    if loss < best - minimumImprovement {
      best = loss
      waited = 0
    } else {
      waited += 1
    }
    return waited < patience
  }
}

/// Trains a model with an optimiser: epochs of shuffled batches, evaluation, metrics, progress.
///
/// Each step records the forward pass on a fresh tape, backpropagates the mean loss of the
/// batch, optionally clips gradients and sets the learning rate from a schedule, and updates
/// the parameters in place. Everything random (shuffling, dropout) derives from `seed`, so a
/// run is reproducible.
///
/// ```swift
/// let trainer = Trainer(mlp, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.01))
/// let history = try trainer.fit(digits.train, validation: digits.test, epochs: 40, batchSize: 1)
/// ```
public final class Trainer<M: Model, O: Optimizer> where O.Scalar == M.Scalar {
  /// The element type.
  public typealias Scalar = M.Scalar
  /// The model being trained.
  public let model: M
  /// The optimiser updating it.
  public let optimizer: O
  /// The loss minimised.
  public let loss: TrainingLoss
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

  /// Creates a trainer.
  public init(_ model: M, loss: TrainingLoss, optimizer: O, seed: UInt64 = 0) {
    self.model = model
    self.optimizer = optimizer
    self.loss = loss
    self.seed = seed
    parameters = model.parameters
    parameterVariables = parameters.map(\.variable)
  }

  /// One optimisation step on a batch; returns its mean loss and number of correct predictions.
  @discardableResult @inlinable
  public func trainStep(on batch: Batch<Scalar>) -> (loss: Double, correct: Int) {
    tensorPrecondition(batch.count > 0, "Trainer: empty batch")
    let tape = Tape<Scalar>()
    // One loop, as each pass over the parameters retains and releases every one of them.
    for variable in parameterVariables {
      tape.watch(variable)
      variable.zeroGradientKeepingBuffer()
    }
    let input = Variable(batch.inputs, trainable: false)
    let context = LayerContext(isTraining: true, seed: mix(seed, UInt64(stepCount)))
    let output = model.forward(input, context: context)
    let value = loss.loss(output, batch)
    value.backward()
    if let maximumGradientNorm { clipGradients(parameters, maximumNorm: maximumGradientNorm) }
    if let schedule { optimizer.learningRate = Scalar(schedule.learningRate(at: stepCount)) }
    optimizer.step(parameters)
    stepCount += 1
    return (Double(value.value.scalar), correctCount(output.value, batch))
  }

  /// Mean loss and accuracy (for classifiers) of the model on batches, in evaluation mode.
  @inlinable
  public func evaluate(_ batches: some Sequence<Batch<Scalar>>) -> (loss: Double, accuracy: Double?)
  {
    var total = 0.0
    var correct = 0
    var count = 0
    for batch in batches where batch.count > 0 {
      let output = model.forward(
        Variable(batch.inputs, trainable: false), context: LayerContext(isTraining: false, seed: 0))
      total += Double(loss.loss(output, batch).value.scalar) * Double(batch.count)
      correct += correctCount(output.value, batch)
      count += batch.count
    }
    let meanLoss = count > 0 ? total / Double(count) : .nan
    let accuracy = loss == .softmaxCrossEntropy && count > 0 ? Double(correct) / Double(count) : nil
    return (meanLoss, accuracy)
  }

  /// Trains for `epochs` epochs over the batches `trainingBatches(epoch)` gives, evaluating on
  /// `validation` after each epoch; stops early when a callback says so.
  @inlinable
  public func fit(
    epochs: Int, trainingBatches: (Int) -> [Batch<Scalar>], validation: [Batch<Scalar>]? = nil,
    callbacks: [any TrainingCallback] = []
  ) throws -> TrainingHistory {
    try fit(epochs: epochs, validation: validation, callbacks: callbacks) { epoch in
      let batches = trainingBatches(epoch)
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
      var correct = 0
      var seen = 0
      for batch in batches {
        let (batchLoss, batchCorrect) = trainStep(on: batch)
        lossSum += batchLoss * Double(batch.count)
        correct += batchCorrect
        seen += batch.count
        progress.update(epoch: epochCount + 1, of: epochs, seen: seen, total: total, since: start)
      }
      let validationResult = validation.map { evaluate($0) }
      epochCount += 1
      let record = EpochRecord(
        epoch: epochCount, trainingLoss: seen > 0 ? lossSum / Double(seen) : .nan,
        trainingAccuracy: loss == .softmaxCrossEntropy && seen > 0
          ? Double(correct) / Double(seen) : nil,
        validationLoss: validationResult?.loss, validationAccuracy: validationResult?.accuracy,
        seconds: Date().timeIntervalSince(start))
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

  @usableFromInline
  func correctCount(_ output: Tensor<Scalar>, _ batch: Batch<Scalar>) -> Int {
    guard loss == .softmaxCrossEntropy, let labels = batch.labels, output.rank == 2 else {
      return 0
    }
    // `argmax(axis: 1)` into a stack buffer: a heap array per step is measurable at batch 1.
    let (rows, classes) = (output.shape[0], output.shape[1])
    guard rows > 0, classes > 0 else { return 0 }
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: rows) { predicted in
      output.withUnsafeBufferPointer { scores in
        guard let source = scores.baseAddress, let destination = predicted.baseAddress else {
          return
        }
        Scalar._argReduceKernel(
          largest: true, source, outer: rows, length: classes, inner: 1, destination)
      }
      return zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
    }
  }
}

/// A seed for step `n` that does not repeat across steps or collide with nearby seeds.
@usableFromInline
func mix(_ seed: UInt64, _ n: UInt64) -> UInt64 {
  var generator = SeededGenerator(seed: seed ^ (n &* 0x9E37_79B9_7F4A_7C15))
  return generator.next()
}
