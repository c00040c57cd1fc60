import Testing

@testable import SwiftTensor

/// An affine map `x·W + b` whose bias starts the micro-kernels' sums (Float, A read in place)
/// instead of being written into the output first: it equals a Double reference on every kind
/// of tile (full, short last rows, a narrow last column panel, several depth and row blocks, one
/// and two threads), never reads what the output held, and takes the written-first path where
/// the kernels cannot add it (Double, small products).
@Suite struct AffineBiasTests {
  /// Rows, outputs and inputs: short last panels of 1, 2 and 5 rows, outputs off the 16-wide
  /// panels, a depth of two blocks (only the first may add the bias), and more rows than one
  /// A block (144).
  let shapes = [
    (50, 33, 300), (149, 40, 64), (64, 128, 128), (37, 16, 520), (43, 70, 40), (38, 48, 128),
  ]

  func reference<S: TensorScalar>(
    _ x: [S], _ w: [S], _ b: [S], rows: Int, inputs: Int, outputs: Int
  ) -> [Double] {
    var y = [Double](repeating: 0, count: rows * outputs)
    for r in 0..<rows {
      for o in 0..<outputs {
        var sum = Double(b[o])
        for i in 0..<inputs { sum += Double(x[r * inputs + i]) * Double(w[i * outputs + o]) }
        y[r * outputs + o] = sum
      }
    }
    return y
  }

  func expectClose<S: TensorScalar>(_ y: [S], _ expected: [Double], _ label: String) {
    let worst = zip(y, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    #expect(worst < 1e-5, "\(label): relative error \(worst)")
  }

  @Test func biasStartsTheSumsOnEveryTile() {
    guard GEMM.hasFastKernel else { return }
    for (rows, outputs, inputs) in shapes {
      let x = Tensor<Float>.random(shape: [rows, inputs], lower: -1, upper: 1, seed: 1).scalars
      let w = Tensor<Float>.random(shape: [inputs, outputs], lower: -1, upper: 1, seed: 2).scalars
      let b = Tensor<Float>.random(shape: [outputs], lower: -4, upper: 4, seed: 3).scalars
      let expected = reference(x, w, b, rows: rows, inputs: inputs, outputs: outputs)
      #expect(GEMM.fusesBias(Float.self, transposeA: false, m: rows, n: outputs, k: inputs))
      for threads in [1, 2] {
        // NaN in the output: beta 0 must not read it.
        var y = [Float](repeating: .nan, count: rows * outputs)
        y.withUnsafeMutableBufferPointer { out in
          GEMM.multiply(
            transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, alpha: 1, x,
            lda: inputs, w, ldb: outputs, beta: 0, out.baseAddress.unsafelyUnwrapped,
            ldc: outputs, threads: threads, dynamicThreshold: 1 << 12, bias: b)
        }
        expectClose(y, expected, "\(rows)x\(outputs)x\(inputs), \(threads) threads")
      }
    }
  }

  func affine<S: TensorScalar>(
    _: S.Type, rows: Int, inputs: Int, outputs: Int
  ) -> (
    [S], [Double]
  ) {
    let x = Tensor<S>.random(shape: [rows, inputs], lower: -1, upper: 1, seed: 4)
    let w = Tensor<S>.random(shape: [inputs, outputs], lower: -1, upper: 1, seed: 5)
    let b = Tensor<S>.random(shape: [outputs], lower: -4, upper: 4, seed: 6)
    var y = [S](repeating: .nan, count: rows * outputs)
    y.withUnsafeMutableBufferPointer {
      addAffineProduct(x, w, bias: b, into: $0.baseAddress.unsafelyUnwrapped)
    }
    let expected = reference(
      x.scalars, w.scalars, b.scalars, rows: rows, inputs: inputs, outputs: outputs)
    return (y, expected)
  }

  @Test func affineProductFloat() {
    for (rows, outputs, inputs) in shapes + [(3, 5, 7), (9, 20, 0)] {
      let (y, expected) = affine(Float.self, rows: rows, inputs: inputs, outputs: outputs)
      expectClose(y, expected, "Float \(rows)x\(outputs)x\(inputs)")
    }
  }

  @Test func affineProductDouble() {
    #expect(!GEMM.fusesBias(Double.self, transposeA: false, m: 64, n: 128, k: 128))
    for (rows, outputs, inputs) in shapes + [(3, 5, 7), (9, 20, 0)] {
      let (y, expected) = affine(Double.self, rows: rows, inputs: inputs, outputs: outputs)
      expectClose(y, expected, "Double \(rows)x\(outputs)x\(inputs)")
    }
  }
}
