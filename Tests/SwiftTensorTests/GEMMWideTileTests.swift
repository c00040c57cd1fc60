import Testing

@testable import SwiftTensor

/// The 6 x 32 AVX-512 tiles sum every element in the order of the 6 x 16 AVX2 ones, so a
/// product through either has the same bits: A read in place (with and without a bias), A
/// packed (a weight gradient's `xᵀ`), short last rows (1, 2, 4 and 5), a lone full panel after
/// the pairs, a narrow last panel, several depth and row blocks, alpha and beta. A packed A's
/// depth stays within 128 here: its wide tiles take depth blocks of half the size, which
/// changes where the partial sums meet (`GEMMTests` checks those products against a reference).
@Suite struct GEMMWideTileTests {
  /// Rows, columns, depth, A transposed, alpha, beta.
  let cases: [(Int, Int, Int, Bool, Float, Float)] = [
    (12, 32, 16, false, 1, 0), (13, 64, 40, false, 1, 1), (38, 48, 128, false, 0.5, 0),
    (151, 96, 300, false, 1, 0.5), (20, 100, 9, false, -2, 1), (128, 384, 64, true, 1, 0),
    (130, 80, 128, true, 1, 1), (17, 48, 33, true, 0.25, -1), (4, 64, 20, false, 1, 0),
  ]

  func product(
    _ kernel: GEMMKernelChoice, m: Int, n: Int, k: Int, transposeA: Bool, alpha: Float,
    beta: Float, bias: [Float]?
  ) -> [Float] {
    let a = Tensor<Float>.random(shape: [m * k], lower: -1, upper: 1, seed: 11).scalars
    let b = Tensor<Float>.random(shape: [k * n], lower: -1, upper: 1, seed: 12).scalars
    var c = Tensor<Float>.random(shape: [m * n], lower: -1, upper: 1, seed: 13).scalars
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
    defer { pointer.deallocate() }
    if let bias { pointer.initialize(from: bias, count: n) }
    c.withUnsafeMutableBufferPointer { out in
      GEMM.multiply(
        transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: alpha, a,
        lda: transposeA ? m : k, b, ldb: n, beta: beta, out.baseAddress.unsafelyUnwrapped,
        ldc: n, kernel: kernel, threads: 1, bias: bias == nil ? nil : UnsafePointer(pointer))
    }
    return c
  }

  @Test func wideTilesGiveTheBitsOfTheNarrowOnes() {
    guard GEMM.runsWideTiles(Float.self) else { return }
    for (m, n, k, transposeA, alpha, beta) in cases {
      let wide = product(
        .packed, m: m, n: n, k: k, transposeA: transposeA, alpha: alpha, beta: beta, bias: nil)
      let narrow = product(
        .packedAVX2, m: m, n: n, k: k, transposeA: transposeA, alpha: alpha, beta: beta,
        bias: nil)
      #expect(wide == narrow, "\(m)x\(n)x\(k) transposeA=\(transposeA) α=\(alpha) β=\(beta)")
    }
  }

  @Test func aBiasStartsTheWideTilesAsTheNarrowOnes() {
    guard GEMM.runsWideTiles(Float.self) else { return }
    for (m, n, k) in [(38, 48, 128), (151, 96, 300), (50, 70, 64), (9, 32, 5)] {
      let bias = Tensor<Float>.random(shape: [n], lower: -3, upper: 3, seed: 14).scalars
      let wide = product(
        .packed, m: m, n: n, k: k, transposeA: false, alpha: 1, beta: 0, bias: bias)
      let narrow = product(
        .packedAVX2, m: m, n: n, k: k, transposeA: false, alpha: 1, beta: 0, bias: bias)
      #expect(wide == narrow, "\(m)x\(n)x\(k) with a bias")
      // The bias is there at all (AffineBiasTests checks its values against a reference).
      let plain = product(
        .packed, m: m, n: n, k: k, transposeA: false, alpha: 1, beta: 0, bias: nil)
      #expect(wide != plain)
    }
  }
}
