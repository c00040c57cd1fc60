import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The gradient checker must catch wrong backward passes, or the gradient tests prove nothing.
@Suite struct GradientCheckerTests {
  struct Cube<Scalar: TensorScalar>: UnaryOperation {
    var wrongFactor: Scalar = 3
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    {
      x * x * dy * wrongFactor
    }
  }

  /// Broadcasting add whose backward forgets to sum the gradient back to `b`'s shape... by
  /// taking only the first row instead.
  struct AddWithoutReduction<Scalar: TensorScalar>: BinaryOperation {
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a + b }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      (dy, dy[0])
    }
  }

  /// matmul whose backward swaps the transposes: right only for square, symmetric cases.
  struct MatMulWrongTranspose<Scalar: TensorScalar>: BinaryOperation {
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a.matmul(b) }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      (dy.matmul(b), a.matmul(dy, transposingSelf: true))
    }
  }

  func catches<T: TensorScalar>(_: T.Type) {
    let x: Tensor<T> = sample([3, 2], seed: 1)
    #expect(checkGradients(of: Cube(), at: [x]).passed, "the right backward passes")
    let wrong = checkGradients(of: Cube(wrongFactor: 2.9), at: [x])
    #expect(!wrong.passed, "\(T.self): a 3% error in the derivative must fail: \(wrong)")

    let a: Tensor<T> = sample([3, 2], seed: 2)
    let b: Tensor<T> = sample([2], seed: 3)
    #expect(!checkGradients(of: AddWithoutReduction(), at: [a, b]).passed)

    let square: Tensor<T> = sample([2, 2], seed: 4)
    let m: Tensor<T> = sample([2, 2], seed: 5)
    #expect(!checkGradients(of: MatMulWrongTranspose(), at: [square, m]).passed)
  }

  @Test func wrongBackwardPassesAreCaught() {
    catches(Float.self)
    catches(Double.self)
  }

  @Test func reportsTheWorstElement() throws {
    let x = Tensor<Double>([1, 2, 3])
    let report = checkGradients(of: Cube(wrongFactor: 2), at: [x])
    // d/dx x³ = 3x², reported 2x²: the gap |x²| is largest at x = 3.
    #expect(report.worst?.index == [2])
    // Both carry the same projection weight, so their ratio is exactly 3/2.
    let worst = try #require(report.worst)
    #expect(Swift.abs(worst.numeric / worst.analytic - 1.5) < 1e-6)
  }

  @Test func tooSmallFloatStepIsNoise() {
    // With a step of 1e-7, Float differences are rounding noise: the check must not pass a
    // correct Cube by luck; this is why the Float default step is 1e-2.
    let x: Tensor<Float> = sample([20], seed: 9)
    let tiny = GradientCheckTolerance(epsilon: 1e-7, absolute: 1e-5, relative: 1e-3)
    #expect(!checkGradients(of: Cube(), at: [x], tolerance: tiny).passed)
  }
}
