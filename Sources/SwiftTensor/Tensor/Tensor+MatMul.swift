extension Tensor {
  /// Matrix product of 2-D tensors, or batched product of 3-D tensors.
  ///
  /// Shapes: `[m, k] x [k, n] -> [m, n]`; `[b, m, k] x [b, k, n] -> [b, m, n]`. In the batched
  /// form a batch of 1, or a 2-D operand, is shared by every batch element. The transpose flags
  /// apply to the last two axes of the operand before multiplying, at no extra cost (the packed
  /// kernel reads either layout).
  ///
  /// - Precondition: both operands are 2-D or 3-D; inner dimensions agree; batch sizes agree
  ///   or one is 1.
  /// - Complexity: O(b·m·n·k), packed and blocked with a SIMD micro-kernel.
  @inlinable
  public func matmul(
    _ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false
  ) -> Tensor {
    let description = {
      "\(describe(shape: self.shape))\(transposingSelf ? "ᵀ" : "") x "
        + "\(describe(shape: other.shape))\(transposingOther ? "ᵀ" : "")"
    }
    tensorPrecondition(
      (2...3).contains(rank) && (2...3).contains(other.rank),
      "matmul: expected 2-D or 3-D operands, got \(description())")
    let (batchA, rowsA, colsA) = Tensor.matrixDimensions(shape)
    let (batchB, rowsB, colsB) = Tensor.matrixDimensions(other.shape)
    let (m, k) = transposingSelf ? (colsA, rowsA) : (rowsA, colsA)
    let (otherK, n) = transposingOther ? (colsB, rowsB) : (rowsB, colsB)
    tensorPrecondition(k == otherK, "matmul: inner dimensions differ: \(description())")
    tensorPrecondition(
      batchA == batchB || batchA == 1 || batchB == 1,
      "matmul: batch sizes differ: \(description())")
    let batch = Swift.max(batchA, batchB)
    let resultShape = rank == 2 && other.rank == 2 ? [m, n] : [batch, m, n]
    return Tensor(shape: resultShape) { c in
      if m * n == 0 { return }
      for index in 0..<batch {
        let a = baseAddress + (batchA == 1 ? 0 : index * rowsA * colsA)
        let b = other.baseAddress + (batchB == 1 ? 0 : index * rowsB * colsB)
        Scalar._gemm(
          transposeA: transposingSelf, transposeB: transposingOther, m: m, n: n, k: k,
          alpha: 1, a, lda: colsA, b, ldb: colsB, beta: 0, c + index * m * n, ldc: n)
      }
    }
  }

  /// `(batch, rows, columns)` of a 2-D (batch 1) or 3-D shape.
  @inlinable
  static func matrixDimensions(_ shape: [Int]) -> (Int, Int, Int) {
    shape.count == 2 ? (1, shape[0], shape[1]) : (shape[0], shape[1], shape[2])
  }
}
