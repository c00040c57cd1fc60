/// General matrix multiplication.
enum GEMM {
  // Interim reference loop; replaced by the packed, blocked SIMD implementation.
  static func multiply<S: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum: S = 0
        for p in 0..<k {
          let x = transposeA ? a[p * lda + i] : a[i * lda + p]
          let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
          sum += x * y
        }
        c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j]
      }
    }
  }
}
