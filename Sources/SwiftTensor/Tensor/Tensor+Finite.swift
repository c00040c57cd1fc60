extension Tensor {
  /// Whether every scalar is finite (no NaN, no infinity); `true` for an empty tensor.
  ///
  /// - Complexity: O(n), stopping at the first non-finite scalar.
  public var isFinite: Bool { firstNonFinite == nil }

  /// The first non-finite scalar in row-major order and its flat index, or `nil`.
  var firstNonFinite: (index: Int, value: Scalar)? {
    guard let index = FiniteKernels.firstNonFinite(baseAddress, count: scalarCount) else {
      return nil
    }
    return (index, baseAddress[index])
  }

  /// `Σ x²` over every scalar, without a temporary tensor.
  @inlinable
  var sumOfSquaredScalars: Scalar { FiniteKernels.sumOfSquares(baseAddress, count: scalarCount) }
}
