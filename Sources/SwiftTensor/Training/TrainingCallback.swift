/// Something that watches training and may stop it: early stopping, checkpoints, logging.
public protocol TrainingCallback {
  /// Called after each epoch with its record; return `false` to stop training.
  mutating func epochEnded(_ record: EpochRecord) throws -> Bool

  /// Called after each step of `Trainer.fit` (not `trainStep(on:)`) with its record; does
  /// nothing unless a callback implements it. Runs on the training thread between steps, so it
  /// should be quick.
  mutating func stepEnded(_ record: StepRecord) throws
}

extension TrainingCallback {
  /// Does nothing: most callbacks act once per epoch.
  public mutating func stepEnded(_ record: StepRecord) throws {}
}

/// What happened in one training step, as `TrainingCallback.stepEnded(_:)` sees it.
public struct StepRecord: Sendable, Equatable {
  /// The steps taken so far, this one included (`Trainer.step` after it).
  public var step: Int
  /// The epoch the step belongs to, from 1.
  public var epoch: Int
  /// The batch's mean loss (across processes in data-parallel training).
  public var loss: Double
  /// The global L2 norm of the gradients before clipping; NaN when the loss was not finite.
  public var gradientNorm: Double
  /// The optimiser's learning rate after the step (the schedule's rate for it).
  public var learningRate: Double
  /// The samples in the batch.
  public var samples: Int
  /// Whether the step updated nothing because its loss or gradient norm was not finite.
  public var skipped: Bool

  /// Creates a record.
  public init(
    step: Int, epoch: Int, loss: Double, gradientNorm: Double, learningRate: Double,
    samples: Int, skipped: Bool = false
  ) {
    self.step = step
    self.epoch = epoch
    self.loss = loss
    self.gradientNorm = gradientNorm
    self.learningRate = learningRate
    self.samples = samples
    self.skipped = skipped
  }
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
