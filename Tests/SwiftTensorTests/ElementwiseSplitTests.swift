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

  /// The activation kernels (GELU's C kernels among them), forward and backward, split as the
  /// element-wise ones do: in Float and Double, the same elements as blocks below the threshold.
  @Test func activationPassesMatchSmallOnes() {
    func check<S: TensorScalar>(_: S.Type) {
      let x = Tensor<S>.random(shape: [count], lower: -4, upper: 4, seed: 3)
      let dy = Tensor<S>.random(shape: [count], lower: -1, upper: 1, seed: 4)
      let kernels: [ActivationKernel<S>] = [.geluTanh, .gelu, .silu]
      for kernel in kernels {
        let forward = x.activated(kernel)
        let backward = dy.activationGradient(kernel, at: x, name: "test")
        var (expectedForward, expectedBackward): ([S], [S]) = ([], [])
        for start in stride(from: 0, to: count, by: 4_096) {
          let end = Swift.min(count, start + 4_096)
          let (a, g) = (x[start..<end], dy[start..<end])
          expectedForward += a.activated(kernel).scalars
          expectedBackward += g.activationGradient(kernel, at: a, name: "test").scalars
        }
        #expect(forward.scalars == expectedForward, "\(S.self) \(kernel) forward")
        #expect(backward.scalars == expectedBackward, "\(S.self) \(kernel) backward")
      }
    }
    check(Float.self)
    check(Double.self)
  }
}
