extension Tensor {
  /// Whether every scalar is within `absoluteTolerance + relativeTolerance * |other|` of the
  /// matching scalar of `other` (numpy's `allclose`, without broadcasting).
  ///
  /// Both tolerances default to 128 ulp of 1 (about 1.5e-5 for `Float`, 2.8e-14 for `Double`).
  /// Shapes must be equal, or the answer is `false`. NaNs are equal to each other only when
  /// `nanEqual` is true; infinities must match exactly.
  public func isApproximatelyEqual(
    to other: Tensor, relativeTolerance: Scalar? = nil, absoluteTolerance: Scalar? = nil,
    nanEqual: Bool = false
  ) -> Bool {
    guard shape == other.shape else { return false }
    let rtol = relativeTolerance ?? Scalar.ulpOfOne * 128
    let atol = absoluteTolerance ?? Scalar.ulpOfOne * 128
    return withUnsafeBufferPointer { a in
      other.withUnsafeBufferPointer { b in
        zip(a, b).allSatisfy { x, y in
          if x.isNaN || y.isNaN { return nanEqual && x.isNaN && y.isNaN }
          if x.isInfinite || y.isInfinite { return x == y }
          return Swift.abs(x - y) <= atol + rtol * Swift.abs(y)
        }
      }
    }
  }
}
