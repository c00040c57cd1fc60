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
