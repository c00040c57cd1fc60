/// `log Σ eˣ` along an axis, computed stably as `m + log Σ e^(x - m)` with `m` the largest
/// element of each line (0 where that is infinite or NaN, so a line of `-infinity` gives
/// `-infinity`, one holding `+infinity` gives `+infinity`, and NaN gives NaN).
///
/// `x` of shape `[..., n, ...]` gives `[..., ...]`, or `[..., 1, ...]` when keeping dimensions;
/// an empty axis gives `-infinity`.
/// Derivative: `softmax(x)·dy = e^(x - y)·dy`, `y` and `dy` broadcast back along the axis.
public struct LogSumExp<Scalar: TensorScalar>: UnaryOperation {
  /// The axis reduced (negative counts from the end).
  public var axis: Int
  /// Whether the reduced axis stays as size 1.
  public var keepingDimensions: Bool
  /// Creates the operation along `axis` (default: the last).
  @inlinable
  public init(axis: Int = -1, keepingDimensions: Bool = false) {
    self.axis = axis
    self.keepingDimensions = keepingDimensions
  }
  /// `log Σ eˣ` along `axis`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.logSumExp(axis: axis, keepingDimensions: keepingDimensions)
  }
  /// `e^(x - y)·dy`, `y` and `dy` repeated along the axis.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var kept = x.shape
    kept[x.normalize(axis: axis, operation: "logSumExp")] = 1
    // Reading `y` instead of recomputing the line sums: `e^(x - y)` is the softmax.
    return (x - y.reshaped(to: kept)).exp() * dy.reshaped(to: kept)
  }
}

extension Tensor {
  /// `log Σ eˣ` along `axis` (default: the last), computed stably; see `LogSumExp`.
  ///
  /// `[..., n, ...]` gives `[..., ...]`, or `[..., 1, ...]` with `keepingDimensions`.
  @inlinable
  public func logSumExp(axis: Int = -1, keepingDimensions: Bool = false) -> Tensor {
    let axis = normalize(axis: axis, operation: "logSumExp")
    var shift = max(axis: axis, keepingDimensions: true)
    // An infinite or NaN maximum cannot be subtracted (`inf - inf` is NaN); shifting that
    // line by 0 gives the right limit instead.
    shift.withUnsafeMutableBufferPointer { shift in
      for i in shift.indices where !shift[i].isFinite { shift[i] = 0 }
    }
    let result = (self - shift).exp().sum(axis: axis, keepingDimensions: true).log() + shift
    guard !keepingDimensions else { return result }
    var reduced = shape
    reduced.remove(at: axis)
    return result.reshaped(to: reduced)
  }
}

extension Variable {
  /// `log Σ eˣ` along `axis` (default: the last); derivative `softmax(x)·dy`.
  @inlinable
  public consuming func logSumExp(axis: Int = -1, keepingDimensions: Bool = false) -> Variable {
    LogSumExp(axis: axis, keepingDimensions: keepingDimensions)(self)
  }
}
