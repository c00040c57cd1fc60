import Testing

@testable import SwiftTensor

/// The weight gradient `xᵀ·dz` of an affine map over many rows, summed as two halves of the
/// rows (one per core): it equals a reference product in Double, accumulates onto what the
/// gradient held, and is exactly the sum of the two halves' products whatever the thread count.
@Suite struct WeightGradientHalvesTests {
  /// An odd row count above the halving depth, and widths off the micro-tiles.
  let rows = weightGradientHalvingDepth + 7
  let inputs = 13
  let outputs = 21

  func check<S: TensorScalar>(_: S.Type, tolerance: Double) {
    let x = Tensor<S>.random(shape: [rows, inputs], lower: -1, upper: 1, seed: 3)
    let dz = Tensor<S>.random(shape: [rows, outputs], lower: -1, upper: 1, seed: 4)
    let (xs, dzs) = (x.scalars, dz.scalars)
    var reference = [Double](repeating: 0, count: inputs * outputs)
    for r in 0..<rows {
      for i in 0..<inputs {
        for o in 0..<outputs {
          reference[i * outputs + o] += Double(xs[r * inputs + i]) * Double(dzs[r * outputs + o])
        }
      }
    }
    func gradient(startingAt start: S?) -> [S] {
      var dw = [S](repeating: start ?? 0, count: inputs * outputs)
      dw.withUnsafeMutableBufferPointer {
        addAffineWeightGradient(
          x, dz, into: $0.baseAddress.unsafelyUnwrapped, accumulate: start != nil)
      }
      return dw
    }
    let written = gradient(startingAt: nil)
    let accumulated = gradient(startingAt: 1)
    for index in reference.indices {
      let scale = Swift.max(1, abs(reference[index]))
      #expect(abs(Double(written[index]) - reference[index]) <= tolerance * scale, "\(index)")
      #expect(
        abs(Double(accumulated[index]) - 1 - reference[index]) <= tolerance * scale, "\(index)")
    }
    // The two halves' products, each on one thread, then added: the same bits.
    let half = rows / 2
    var first = [S](repeating: 0, count: inputs * outputs)
    var second = first
    for (range, target) in [(0..<half, 0), (half..<rows, 1)] {
      let product = x.slice(axis: 0, range: range).matmul(
        dz.slice(axis: 0, range: range), transposingSelf: true)
      if target == 0 { first = product.scalars } else { second = product.scalars }
    }
    #expect(written == zip(first, second).map { $0 + $1 })
  }

  @Test func float() { check(Float.self, tolerance: 1e-4) }
  @Test func double() { check(Double.self, tolerance: 1e-12) }
}
