import Testing

@testable import SwiftTensor

/// The column sums of op(B) that GEMM adds while packing B (an affine map's bias gradient with
/// its weight gradient): they equal a Double reference on every path (packed with the C or the
/// portable kernel, one and two threads, small unpacked products, a transposed B, an empty
/// depth), add to what the buffer held, and leave the product itself unchanged; through
/// `addAffineWeightGradient`, with the rows summed in halves or not, the bias gradient is
/// written or accumulated as asked.
@Suite struct ColumnSumsOfBTests {
  func reference(_ b: [Double], k: Int, n: Int, transposed: Bool) -> [Double] {
    (0..<n).map { j in (0..<k).reduce(0.0) { $0 + b[transposed ? j * k + $1 : $1 * n + j] } }
  }

  func check<S: TensorScalar>(_: S.Type, tolerance: Double) {
    // k past one depth block (256) and not a multiple of 8; n off the 16- and 8-wide panels.
    let cases: [(m: Int, n: Int, k: Int, transposed: Bool, kernel: GEMMKernelChoice)] = [
      (40, 37, 300, false, .automatic), (40, 37, 300, false, .packed),
      (40, 37, 300, false, .portable), (7, 5, 9, false, .automatic), (12, 20, 30, false, .small),
      (12, 20, 30, false, .smallC), (40, 37, 300, true, .automatic), (40, 48, 0, false, .packed),
    ]
    for (m, n, k, transposed, kernel) in cases {
      let a = Tensor<S>.random(shape: [m, k], lower: -1, upper: 1, seed: 1).scalars
      let b = Tensor<S>.random(shape: [k, n], lower: -1, upper: 1, seed: 2).scalars
      let expected = reference(b.map { Double($0) }, k: k, n: n, transposed: transposed)
      for threads in [1, 2] {
        var plain = [S](repeating: 0, count: m * n)
        var c = plain
        var sums = [S](repeating: 1, count: n)
        let ldb = transposed ? k : n
        GEMM.multiply(
          transposeA: false, transposeB: transposed, m: m, n: n, k: k, alpha: 1, a, lda: k, b,
          ldb: ldb, beta: 0, &plain, ldc: n, kernel: kernel, threads: threads,
          dynamicThreshold: 1 << 10)
        sums.withUnsafeMutableBufferPointer { sums in
          GEMM.multiply(
            transposeA: false, transposeB: transposed, m: m, n: n, k: k, alpha: 1, a, lda: k, b,
            ldb: ldb, beta: 0, &c, ldc: n, kernel: kernel, threads: threads,
            dynamicThreshold: 1 << 10, columnSumsOfB: sums.baseAddress)
        }
        let label = "\(S.self) \(m)x\(n)x\(k) transposed \(transposed) \(kernel) \(threads)"
        #expect(c == plain, "\(label): the product changed")
        for j in 0..<n {
          let error = abs(Double(sums[j]) - 1 - expected[j])
          #expect(error <= tolerance * Swift.max(1, abs(expected[j])), "\(label), column \(j)")
        }
      }
    }
  }

  @Test func gemmFloat() { check(Float.self, tolerance: 1e-5) }
  @Test func gemmDouble() { check(Double.self, tolerance: 1e-13) }

  func checkAffine<S: TensorScalar>(_: S.Type, tolerance: Double) {
    let outputs = 21
    for rows in [weightGradientHalvingDepth + 7, 100] {
      let x = Tensor<S>.random(shape: [rows, 13], lower: -1, upper: 1, seed: 3)
      let dz = Tensor<S>.random(shape: [rows, outputs], lower: -1, upper: 1, seed: 4)
      let expected = reference(
        dz.scalars.map { Double($0) }, k: rows, n: outputs, transposed: false)
      for accumulateBias in [false, true] {
        var dw = [S](repeating: 0, count: 13 * outputs)
        var db = [S](repeating: 2, count: outputs)
        db.withUnsafeMutableBufferPointer { db in
          addAffineWeightGradient(
            x, dz, into: &dw, accumulate: false,
            bias: (db.baseAddress.unsafelyUnwrapped, accumulateBias))
        }
        let (xs, dzs) = (x.scalars, dz.scalars)
        for i in 0..<13 {
          for j in 0..<outputs {
            let exact = (0..<rows).reduce(0.0) {
              $0 + Double(xs[$1 * 13 + i]) * Double(dzs[$1 * outputs + j])
            }
            let error = abs(Double(dw[i * outputs + j]) - exact)
            #expect(error <= tolerance * Swift.max(1, abs(exact)) * 10, "dW[\(i), \(j)]")
          }
        }
        for j in 0..<outputs {
          let error = abs(Double(db[j]) - (accumulateBias ? 2 : 0) - expected[j])
          #expect(
            error <= tolerance * Swift.max(1, abs(expected[j])),
            "\(S.self) rows \(rows) accumulate \(accumulateBias) column \(j)")
        }
      }
    }
  }

  @Test func affineFloat() { checkAffine(Float.self, tolerance: 1e-4) }
  @Test func affineDouble() { checkAffine(Double.self, tolerance: 1e-13) }
}
