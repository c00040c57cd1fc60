/// What a `Trainer` does when a step's loss or gradient norm is NaN or infinite.
///
/// The parameters are never updated from such a step, whatever the policy.
public enum NonFinitePolicy: Sendable, Equatable {
  /// Stop training with a `NonFiniteStepError` (the default).
  case stop
  /// Skip the batch and go on; an epoch whose every batch is skipped stops as `.stop` does.
  case skipBatch
  /// Skip the batch and multiply the learning rate by `factor` (in `(0, 1)`) from then on; an
  /// epoch whose every batch is skipped stops as `.stop` does.
  case reduceLearningRate(factor: Double)
}

/// A training step whose loss or gradient norm was not finite: which step, which batch, and
/// the first operation that produced a NaN or an infinity.
public struct NonFiniteStepError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The quantity found non-finite.
  public enum Quantity: Sendable, Equatable {
    /// The batch's loss.
    case loss
    /// The global norm of the parameters' gradients.
    case gradientNorm
  }

  /// The trainer's step number (from 0) of the failing step.
  public var step: Int
  /// The epoch (from 1) it belongs to, when run by `fit`.
  public var epoch: Int?
  /// The batch's position in its epoch (from 0), when run by `fit`.
  public var batch: Int?
  /// Which quantity was not finite.
  public var quantity: Quantity
  /// Its value.
  public var value: Double
  /// The first operation whose output or gradient held a NaN or an infinity, found by
  /// recording the step again with `Tape.detectsAnomalies`; `nil` if the replay found none.
  public var anomaly: TapeAnomaly?

  /// Creates the error.
  public init(
    step: Int, epoch: Int?, batch: Int?, quantity: Quantity, value: Double, anomaly: TapeAnomaly?
  ) {
    self.step = step
    self.epoch = epoch
    self.batch = batch
    self.quantity = quantity
    self.value = value
    self.anomaly = anomaly
  }

  /// Names the step, the batch, the quantity and the operation.
  public var description: String {
    var place = "step \(step)"
    if let epoch { place += " (epoch \(epoch)" + (batch.map { ", batch \($0))" } ?? ")") }
    let what = quantity == .loss ? "the loss" : "the gradient norm"
    let cause = anomaly.map { "; first non-finite value: \($0)" } ?? ""
    return "Trainer: \(what) is \(value.isNaN ? "NaN" : "\(value)") at \(place)\(cause)"
  }
}

/// A parameter holding a NaN or an infinity when a checkpoint was due: nothing was written, so
/// the last good checkpoint stays in place.
public struct NonFiniteParameterError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The epoch (from 1) whose checkpoint was refused.
  public var epoch: Int
  /// The parameter's path, such as `affine_0/W`.
  public var parameter: String
  /// The row-major position of the first non-finite value in it.
  public var index: Int
  /// That value.
  public var value: Double

  /// Names the epoch, the parameter and the value.
  public var description: String {
    "CheckpointEvery: not saving epoch \(epoch): parameter '\(parameter)' holds "
      + "\(value.isNaN ? "NaN" : "\(value)") at "
      + "flat index \(index); the last checkpoint written is kept"
  }
}
