import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The gradient checker checks the record training makes: an operation whose fast-path trait
/// is wrong, or whose accumulation differs from its first pass, fails it, for a user's
/// operation and for a library one run with a wrong trait.
@Suite struct GradientCheckerMutationTests {
  /// `x³`, whose backward reads `x`; `OutputOnly` says whether it claims not to.
  struct Cube<Scalar: TensorScalar, OutputOnly: Claim>: UnaryOperation {
    static var backwardReadsInput: Bool { !OutputOnly.value }
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    { 3 * x * x * dy }
  }
  protocol Claim { static var value: Bool { get } }
  enum Yes: Claim { static var value: Bool { true } }
  enum No: Claim { static var value: Bool { false } }

  /// A library unary operation run with its `backwardReadsInput` trait flipped.
  struct FlippedUnary<Wrapped: UnaryOperation>: UnaryOperation {
    typealias Scalar = Wrapped.Scalar
    let wrapped: Wrapped
    static var backwardReadsInput: Bool { !Wrapped.backwardReadsInput }
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { wrapped.forward(x) }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
    )
      -> Tensor<Scalar>
    { wrapped.backward(x, y, dy) }
  }

  /// A library binary operation run with its `backwardReadsOutput` trait flipped.
  struct FlippedBinary<Wrapped: BinaryOperation>: BinaryOperation {
    typealias Scalar = Wrapped.Scalar
    let wrapped: Wrapped
    static var backwardReadsOutput: Bool { !Wrapped.backwardReadsOutput }
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
      wrapped.forward(a, b)
    }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) { wrapped.backward(a, b, y, dy) }
  }

  /// `2x`, whose backward is right on its first call only.
  final class CallCount: @unchecked Sendable { var calls = 0 }
  struct RightOnce<Scalar: TensorScalar>: UnaryOperation {
    let count: CallCount
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * 2 }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    {
      count.calls += 1
      return dy * (count.calls == 1 ? 2 : 3)
    }
  }

  func check<T: TensorScalar>(_: T.Type) {
    let x = Tensor<T>([[0.5, -1.5, 2], [1.25, -0.75, 1]])
    let positive = Tensor<T>([[0.5, 1.5, 2], [1.25, 0.75, 1]])

    // A user's operation: right with the default trait, wrong when it claims to read only y.
    #expect(checkGradients(of: Cube<T, No>(), at: [x]).passed)
    let userMutant = checkGradients(of: Cube<T, Yes>(), at: [x])
    #expect(!userMutant.passed && userMutant.worst?.input == 0, "\(userMutant)")
    // The same through a closure, as a model would call it.
    #expect(!checkGradients(of: { Cube<T, Yes>()($0[0]) }, at: [x]).passed)

    // Library operations: Log and Power read x, Divide reads y; run with the wrong trait they
    // fail. Flipping the safe way (keeping what is not read) passes.
    #expect(checkGradients(of: Log<T>(), at: [positive]).passed)
    #expect(!checkGradients(of: FlippedUnary(wrapped: Log<T>()), at: [positive]).passed)
    #expect(!checkGradients(of: FlippedUnary(wrapped: Power<T>(3)), at: [x]).passed)
    #expect(checkGradients(of: FlippedUnary(wrapped: Tanh<T>()), at: [x]).passed)
    #expect(checkGradients(of: Divide<T>(), at: [x, positive]).passed)
    #expect(!checkGradients(of: FlippedBinary(wrapped: Divide<T>()), at: [x, positive]).passed)
    #expect(checkGradients(of: FlippedBinary(wrapped: Multiply<T>()), at: [x, positive]).passed)

    // A backward that differs on the second, accumulating pass is caught too.
    let once = checkGradients(of: RightOnce<T>(count: CallCount()), at: [x])
    #expect(!once.passed && once.inconsistentAccumulation == [0], "\(once)")
    #expect("\(once)".contains("second backward pass"))
  }

  @Test func wrongTraitsAndAccumulationFailFloat() { check(Float.self) }
  @Test func wrongTraitsAndAccumulationFailDouble() { check(Double.self) }

  /// The operation check reaches each arity's own record (what `callAsFunction` records).
  @Test func theOperationCheckRecordsWhatTrainingRecords() {
    let tape = Tape<Float>()
    let x = tape.variable([1, 2])
    #expect(Tanh<Float>().apply(to: [x])[0].tape != nil && tape.count == 1)
    // The fused activation and the kept-buffer accumulation of AffineTransform, by operation.
    let inputs: [Tensor<Double>] = [
      [[0.5, -1], [2, 0.25], [-1, 1]], [[1, -2, 0.5], [0.25, 1, -1]], [0.1, -0.2, 0.3],
    ]
    for activation in [FusedActivation.identity, .sigmoid, .tanh, .relu, .gelu(.tanh)] {
      let report = checkGradients(of: AffineTransform(activation: activation), at: inputs)
      #expect(report.passed, "\(activation): \(report)")
    }
  }
}
