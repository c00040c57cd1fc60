import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The worked example of docs/ARCHITECTURE.md ("Adding an operation"), as written there, so
/// that the page stays true.
@Suite struct WorkedExampleTests {
  /// `log(1 + eˣ)`. Derivative: `dy·σ(x)`.
  struct Softplus<Scalar: TensorScalar>: UnaryOperation {
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { (x.exp() + 1).log() }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
    )
      -> Tensor<Scalar>
    { dy * x.sigmoid() }
  }

  func check<T: TensorScalar>(_: T.Type) throws {
    try forAll(Gen.tensor(T.self, shape: Gen.shape(rank: 0...3), in: -3...3)) { x in
      try expectGradient(at: [x]) { Softplus()($0[0]).sum() }
      try expectGradient(of: Softplus(), at: [x])
    }
  }

  @Test func softplusGradientFloat() throws { try check(Float.self) }
  @Test func softplusGradientDouble() throws { try check(Double.self) }
}
