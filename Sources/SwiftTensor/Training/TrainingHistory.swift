/// What happened in one epoch of training.
public struct EpochRecord: Sendable, Equatable {
  /// The epoch number, from 1.
  public var epoch: Int
  /// The mean training loss over the epoch's batches (weighted by batch size).
  public var trainingLoss: Double
  /// The mean of each metric over the epoch's training samples, by metric name.
  public var trainingMetrics: [String: Double]
  /// The loss on the validation set, if one was given.
  public var validationLoss: Double?
  /// The mean of each metric over the validation set, by metric name (empty without one).
  public var validationMetrics: [String: Double]
  /// Wall-clock seconds of the epoch, evaluation included.
  public var seconds: Double
  /// The batches skipped because their loss or gradient norm was not finite (see
  /// `NonFinitePolicy`).
  public var skippedBatches: Int

  /// The training accuracy, for classifiers: the metric named "accuracy".
  public var trainingAccuracy: Double? {
    get { trainingMetrics["accuracy"] }
    set { trainingMetrics["accuracy"] = newValue }
  }

  /// The accuracy on the validation set, for classifiers: the metric named "accuracy".
  public var validationAccuracy: Double? {
    get { validationMetrics["accuracy"] }
    set { validationMetrics["accuracy"] = newValue }
  }

  /// Creates a record; the accuracies, if given, join the metrics under "accuracy".
  public init(
    epoch: Int, trainingLoss: Double, trainingAccuracy: Double? = nil,
    validationLoss: Double? = nil, validationAccuracy: Double? = nil,
    trainingMetrics: [String: Double] = [:], validationMetrics: [String: Double] = [:],
    seconds: Double, skippedBatches: Int = 0
  ) {
    self.epoch = epoch
    self.skippedBatches = skippedBatches
    self.trainingLoss = trainingLoss
    self.trainingMetrics = trainingMetrics
    self.validationLoss = validationLoss
    self.validationMetrics = validationMetrics
    self.seconds = seconds
    if let trainingAccuracy { self.trainingAccuracy = trainingAccuracy }
    if let validationAccuracy { self.validationAccuracy = validationAccuracy }
  }
}

/// The record of a training run, one entry per epoch.
public struct TrainingHistory: Sendable {
  /// The epochs, in order.
  public var epochs: [EpochRecord] = []

  /// Creates an empty history.
  public init() {}

  /// The value of the metric `name` after each epoch, for training or validation (`nil` for
  /// an epoch that did not measure it).
  public func metric(_ name: String, validation: Bool = false) -> [Double?] {
    epochs.map { (validation ? $0.validationMetrics : $0.trainingMetrics)[name] }
  }
}
