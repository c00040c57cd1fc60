import Testing

@testable import SwiftTensor

/// Element-wise passes large enough to be split between the cores give, element for element,
/// what the same operations give on small tensors (one pass, one thread).
@Suite struct ElementwiseSplitTests {
  /// An odd count above the split threshold, so the last share has a ragged end.
  let count = ElementwiseKernels.parallelCount + 12_345

  @Test func unaryAndBinaryPassesMatchSmallOnes() {
    let x = Tensor<Float>.random(shape: [count], lower: -3, upper: 3, seed: 1)
    let y = Tensor<Float>.random(shape: [count], lower: 0.5, upper: 2, seed: 2)
    let large = [x.relu(), x.exp(), x.tanh(), x + y, x * y, x / y]
    // The same elements in blocks below the threshold.
    let block = 4_096
    for (index, result) in large.enumerated() {
      var expected: [Float] = []
      for start in stride(from: 0, to: count, by: block) {
        let end = Swift.min(count, start + block)
        let (a, b) = (x[start..<end], y[start..<end])
        let small = [a.relu(), a.exp(), a.tanh(), a + b, a * b, a / b][index]
        expected += small.scalars
      }
      #expect(result.scalars == expected, "operation \(index)")
    }
  }
}
