extension Tensor {
  /// Softmax along `axis` (by default the last): `exp(x) / sum(exp(x))`, computed after
  /// subtracting the maximum, so large logits do not overflow.
  ///
  /// A line that contains NaN, or only `-infinity`, gives NaN.
  @inlinable
  public func softmax(axis: Int = -1) -> Tensor { softmaxed(log: false, axis: axis) }

  /// Log-softmax along `axis`: `x - max - log(sum(exp(x - max)))`, finite wherever the logits
  /// are finite, even where `softmax` underflows to 0.
  @inlinable
  public func logSoftmax(axis: Int = -1) -> Tensor { softmaxed(log: true, axis: axis) }

  /// Softmax or log-softmax; inlinable so that a training loop's call is specialised (generic
  /// code looks up type metadata on each call).
  @inlinable
  func softmaxed(log: Bool, axis: Int) -> Tensor {
    let axis = normalize(axis: axis, operation: log ? "logSoftmax" : "softmax")
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    return Tensor(shape: shape) { base in
      if scalarCount == 0 { return }
      Scalar._softmaxKernel(
        log: log, baseAddress, outer: outer, length: shape[axis], inner: inner, base)
    }
  }
}
