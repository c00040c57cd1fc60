/// The first operation of a recording that produced a NaN or an infinity, found when the tape
/// detects anomalies (`Tape.detectsAnomalies`, like PyTorch's `detect_anomaly`).
public struct TapeAnomaly: Sendable, Equatable, CustomStringConvertible {
  /// Where the value appeared.
  public enum Phase: Sendable, Equatable {
    /// In an operation's output, computed by its forward pass.
    case forward
    /// In a gradient an operation's backward pass computed for one of its inputs.
    case backward
  }

  /// The operation's name, such as `"Log"`.
  public var operation: String
  /// Its position among the tape's operations, from 0 in recording order.
  public var position: Int
  /// Whether the forward or the backward pass produced the value.
  public var phase: Phase
  /// The shape of the output or gradient that holds it.
  public var shape: [Int]
  /// The first non-finite value, in row-major order.
  public var value: Double
  /// Its row-major position in that tensor.
  public var index: Int

  /// Names the operation, the pass, the value and where it is.
  public var description: String {
    let what = phase == .forward ? "output" : "gradient for an input"
    let shown = value.isNaN ? "NaN" : "\(value)"
    return "\(operation) (operation \(position) on the tape) produced \(shown) in its \(what) "
      + "of shape \(describe(shape: shape)) at flat index \(index)"
  }
}

extension TapeRecord {
  /// Records the first anomaly: `tensor`, produced by `operation` in `phase`, holds a
  /// non-finite value. Called only while the tape detects anomalies.
  @usableFromInline
  func check<Scalar: TensorScalar>(
    _ tensor: Tensor<Scalar>, producedBy operation: @autoclosure () -> String,
    at position: Int, in phase: TapeAnomaly.Phase
  ) {
    guard firstAnomaly == nil, let (index, value) = tensor.firstNonFinite else { return }
    firstAnomaly = TapeAnomaly(
      operation: operation(), position: position, phase: phase, shape: tensor.shape,
      value: Double(value), index: index)
  }
}
