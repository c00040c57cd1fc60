import SwiftTensorCKernels

extension GEMM {
  /// At or below this many multiply-adds, or with fewer rows than a micro-tile, packing costs
  /// more than it saves: a batch-1 affine layer (1 x 64 x 30) spent most of its time packing.
  static let smallThreshold = 32 * 32 * 32

  /// Whether `multiply` should take the direct path for this shape.
  @inline(__always)
  static func isSmall(m: Int, n: Int, k: Int) -> Bool {
    m < mr || m * n * k <= smallThreshold
  }

  /// The AVX2+FMA C version of `multiplySmall`, for `Float` and `Double` on x86_64; returns
  /// false, having done nothing, where it does not apply (another architecture or scalar type,
  /// or both operands transposed). O(m x n x k), no allocation.
  @inline(__always)
  static func multiplySmallC<S: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int
  ) -> Bool {
    #if arch(x86_64)
      // `S.self == Float.self` is a constant in each specialisation, so only one branch remains.
      if S.self == Float.self {
        return swifttensor_sgemm_small(
          transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, Float(alpha),
          UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
          UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb, Float(beta),
          UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc) != 0
      }
      if S.self == Double.self {
        return swifttensor_dgemm_small(
          transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, Double(alpha),
          UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
          UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb, Double(beta),
          UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc) != 0
      }
    #endif
    return false
  }

  /// `C = alpha * op(A) * op(B) + beta * C` without packing: rows of C accumulate
  /// `alpha·a(i,p)·B[p, :]` (B in rows) or dot products (B transposed), a vector at a time.
  ///
  /// O(m x n x k) time, O(k) temporary memory (a gathered row of a transposed A).
  static func multiplySmall<S: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    let width = S.Vector.scalarCount
    if !transposeB {
      for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 {
          row.update(repeating: 0, count: n)
        } else if beta != 1 {
          for j in 0..<n { row[j] *= beta }
        }
        for p in 0..<k {
          let x = alpha * (transposeA ? a[p * lda + i] : a[i * lda + p])
          let splat = S.Vector(repeating: x)
          let source = b + p * ldb
          var j = 0
          while j + width <= n {
            let updated = multiplyAdd(
              splat, source.loadVector(at: j), UnsafePointer(row).loadVector(at: j))
            row.storeVector(updated, at: j)
            j += width
          }
          while j < n {
            row[j] += x * source[j]
            j += 1
          }
        }
      }
      return
    }
    // B transposed: C[i, j] is the dot product of row i of op(A) with row j of B.
    let gathered = UnsafeMutablePointer<S>.allocate(capacity: Swift.max(k, 1))
    defer { gathered.deallocate() }
    for i in 0..<m {
      let rowA: UnsafePointer<S>
      if transposeA {
        for p in 0..<k { gathered[p] = a[p * lda + i] }
        rowA = UnsafePointer(gathered)
      } else {
        rowA = a + i * lda
      }
      for j in 0..<n {
        let rowB = b + j * ldb
        var sum = S.Vector()
        var p = 0
        while p + width <= k {
          sum = multiplyAdd(rowA.loadVector(at: p), rowB.loadVector(at: p), sum)
          p += width
        }
        var total = ReductionKernels.horizontalSum(sum)
        while p < k {
          total += rowA[p] * rowB[p]
          p += 1
        }
        let result = alpha * total
        c[i * ldc + j] = beta == 0 ? result : result + beta * c[i * ldc + j]
      }
    }
  }
}
