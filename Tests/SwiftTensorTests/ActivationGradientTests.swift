import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The activations of `SmoothActivations.swift`, `PiecewiseActivations.swift` and
/// `LogSumExp.swift`: gradients against central differences (through the variable spelling
/// and through the operation's own record, which honours `backwardReadsInput`), and forward
/// values against references computed per element in `Double` with Foundation's `erfc`,
/// `tanh`, `exp`, `expm1` and `log1p`.
@Suite struct ActivationGradientTests {
  static var anyShape: Gen<[Int]> { Gen.shape(rank: 0...3, dimension: 0...4) }

  /// Checks `operation`'s gradient on generated inputs both ways: the `Variable` spelling in
  /// `function`, and `expectGradient(of:)`, which records the operation as training does.
  func check<Operation: UnaryOperation>(
    _ operation: Operation, _ inputs: Gen<Tensor<Operation.Scalar>>,
    _ function: @escaping (Variable<Operation.Scalar>) -> Variable<Operation.Scalar>
  ) throws {
    try forAll(inputs) { x in
      try expectGradient(at: [x]) { function($0[0]) }
      try expectGradient(of: operation, at: [x])
    }
  }

  func elementwise<T: TensorScalar>(_ type: T.Type) throws {
    let x = Gen.tensor(type, shape: Self.anyShape, in: -4...4)
    // Kinks (leaky ReLU and ELU at 0, clamp at its bounds) are kept out of the inputs.
    let awayFromZero = Gen.tensor(type, shape: Self.anyShape, in: -3...3, awayFrom: 0, by: 0.1)
    try check(GELU<T>(), x) { $0.gelu() }
    try check(GELU<T>(approximation: .tanh), x) { $0.gelu(approximation: .tanh) }
    try check(SiLU<T>(), x) { $0.silu() }
    try check(Softplus<T>(), Gen.tensor(type, shape: Self.anyShape, in: -25...25)) {
      $0.softplus()
    }
    // `β·x = threshold` is a jump (PyTorch's linear region starts there): keep away from it.
    let nearThreshold = Gen.tensor(type, shape: Self.anyShape, in: -3...3, awayFrom: 1, by: 0.1)
    try check(Softplus<T>(beta: 2, threshold: 2), nearThreshold) {
      $0.softplus(beta: 2, threshold: 2)
    }
    try check(LeakyReLU<T>(), awayFromZero) { $0.leakyRelu() }
    try check(LeakyReLU<T>(negativeSlope: -0.5), awayFromZero) {
      $0.leakyRelu(negativeSlope: -0.5)
    }
    try check(ELU<T>(), awayFromZero) { $0.elu() }
    try check(ELU<T>(alpha: 0.5), awayFromZero) { $0.elu(alpha: 0.5) }
    // Each bound in turn at 0, the point the generated values avoid.
    try check(Clamp<T>(min: 0, max: 10), awayFromZero) { $0.clamped(min: 0, max: 10) }
    try check(Clamp<T>(min: -10, max: 0), awayFromZero) { $0.clamped(min: -10, max: 0) }
  }

  @Test func elementwiseFloat() throws { try elementwise(Float.self) }
  @Test func elementwiseDouble() throws { try elementwise(Double.self) }

  func logSumExp<T: TensorScalar>(_ type: T.Type) throws {
    let cases = Gen.shape(rank: 1...3, dimension: 1...4).flatMap { shape in
      zip(
        Gen.tensor(type, shape: shape, in: -5...5), Gen.int(in: -shape.count..<shape.count),
        Gen.bool)
    }
    try forAll(cases) { x, axis, keeping in
      try expectGradient(at: [x]) { $0[0].logSumExp(axis: axis, keepingDimensions: keeping) }
      try expectGradient(of: LogSumExp(axis: axis, keepingDimensions: keeping), at: [x])
    }
  }

  @Test func logSumExpFloat() throws { try logSumExp(Float.self) }
  @Test func logSumExpDouble() throws { try logSumExp(Double.self) }

  // MARK: - Forward values

  /// Inputs across every piece and tail, including a vector's tail of odd length.
  static let inputs: [Double] =
    Array(stride(from: -12, through: 12, by: 0.37)) + [0, 1e-6, -1e-6, 0.2, -0.2, 3e-3, 30, -30]

  /// Expects `|actual - expected| <= tolerance·scale·condition(x)` element by element, the
  /// reference evaluated at the input as rounded to `T`. `scale` is `|expected|`, or
  /// `|expected| + |x|` for functions computed as `x·(1 + small)` whose cancellation is
  /// PyTorch's too; `condition` allows for the growth of rounding errors in intermediates
  /// (`e^(-x²/2)` in a `Float` exponent of size `x²`). Results below `T`'s normal range may
  /// flush to 0.
  func expectClose<T: TensorScalar>(
    _ name: String, _ actual: Tensor<T>, _ reference: (Double) -> Double, tolerance: Double,
    scaledByInput: Bool = false, condition: (Double) -> Double = { _ in 1 },
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for (input, value) in zip(Self.inputs, actual.scalars) {
      let x = Double(T(input))
      let expected = reference(x)
      let scale = (abs(expected) + (scaledByInput ? abs(x) : 0)) * condition(x)
      let error = abs(Double(value) - expected)
      #expect(
        error <= tolerance * scale || error < Double(T.leastNormalMagnitude),
        "\(name)(\(x)) = \(value), expected \(expected) (\(T.self))",
        sourceLocation: sourceLocation)
    }
  }

  func forwardValues<T: TensorScalar>(_ type: T.Type, tolerance: Double) {
    let x = Tensor<T>(Self.inputs.map { T($0) })
    let geluTanh = { (x: Double) in
      0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }
    let softplus = { (x: Double, beta: Double, threshold: Double) in
      beta * x > threshold ? x : Foundation.log1p(Foundation.exp(beta * x)) / beta
    }
    expectClose(
      "gelu", x.gelu(), { $0 * 0.5 * erfc(-$0 / 2.0.squareRoot()) }, tolerance: tolerance,
      condition: { 1 + $0 * $0 / 2 })
    expectClose(
      "geluTanh", x.gelu(approximation: .tanh), geluTanh, tolerance: tolerance,
      scaledByInput: true)
    expectClose("silu", x.silu(), { $0 / (1 + Foundation.exp(-$0)) }, tolerance: tolerance)
    expectClose("softplus", x.softplus(), { softplus($0, 1, 20) }, tolerance: tolerance)
    expectClose(
      "softplus(beta: 3, threshold: 5)", x.softplus(beta: 3, threshold: 5),
      { softplus($0, 3, 5) }, tolerance: tolerance)
    expectClose("leakyRelu", x.leakyRelu(), { $0 > 0 ? $0 : 0.01 * $0 }, tolerance: tolerance)
    expectClose(
      "elu", x.elu(alpha: 1.5), { $0 > 0 ? $0 : 1.5 * Foundation.expm1($0) },
      tolerance: tolerance)
    expectClose(
      "clamped", x.clamped(min: -1, max: 2), { Swift.min(Swift.max($0, -1), 2) },
      tolerance: 0)
  }

  @Test func forwardValuesFloat() { forwardValues(Float.self, tolerance: 4e-6) }
  @Test func forwardValuesDouble() { forwardValues(Double.self, tolerance: 1e-13) }

  /// Direct `log Σ eˣ` in `Double` where it cannot overflow; shifted inputs where it would
  /// (`lse(x + c) = lse(x) + c`); the limits at infinities; and the kept dimension.
  @Test func logSumExpValues() {
    let rows: [[Double]] = [[0.5, -1, 2, 3], [-3, -2.5, 0, 1]]
    let x = Tensor<Double>(shape: [2, 4], scalars: rows.flatMap { $0 })
    let expected = rows.map { row in Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +)) }
    let y = x.logSumExp()
    #expect(y.shape == [2])
    for (value, reference) in zip(y.scalars, expected) {
      #expect(abs(value - reference) <= 1e-14 * abs(reference))
    }
    let shifted = Tensor<Float>(
      shape: [2, 4], scalars: rows.flatMap { $0 }.map { Float($0) + 1000 })
    let large = shifted.logSumExp(axis: 1, keepingDimensions: true)
    #expect(large.shape == [2, 1])
    for (value, reference) in zip(large.scalars, expected) {
      #expect(abs(Double(value) - (reference + 1000)) <= 1e-6 * 1000)
    }
    let columns = x.logSumExp(axis: 0)
    #expect(columns.shape == [4])
    #expect(
      abs(columns.scalars[0] - Foundation.log(Foundation.exp(0.5) + Foundation.exp(-3))) < 1e-14)
    let limits = Tensor<Float>(
      shape: [3, 2], scalars: [-.infinity, -.infinity, 1, .infinity, .nan, 0])
    let limitValues = limits.logSumExp().scalars
    #expect(limitValues[0] == -.infinity)
    #expect(limitValues[1] == .infinity)
    #expect(limitValues[2].isNaN)
  }

  /// The gradient of clamping passes on the bounds themselves (PyTorch), not outside them,
  /// and NaN gets 0; leaky ReLU's slope applies at 0.
  @Test func gradientsAtTheKinks() {
    func check<T: TensorScalar>(_: T.Type) {
      let tape = Tape<T>()
      let x = tape.variable(Tensor<T>([-2, -1, 0, 0.5, 1, 1.5, T.nan]))
      (x.clamped(min: -1, max: 1) * 3).sum().backward()
      #expect(x.gradient == [0, 3, 3, 3, 3, 0, 0])
      let secondTape = Tape<T>()
      let y = secondTape.variable(Tensor<T>([-1, 0, 2]))
      y.leakyRelu(negativeSlope: 0.25).sum().backward()
      #expect(y.gradient == [0.25, 0.25, 1])
    }
    check(Float.self)
    check(Double.self)
  }

  /// The layers of the DSL are the operations themselves.
  @Test func activationLayers() {
    let context = LayerContext(isTraining: false, seed: 0)
    let x = Variable(Tensor<Float>([-1, 0.5, 2]))
    #expect(GELU<Float>()(x, context: context).value == x.value.gelu())
    #expect(SiLU<Float>()(x, context: context).value == x.value.silu())
    #expect(
      LeakyReLU<Float>(negativeSlope: 0.2)(x, context: context).value
        == x.value.leakyRelu(negativeSlope: 0.2))
    #expect(ELU<Float>()(x, context: context).value == x.value.elu())
    #expect(Softplus<Float>()(x, context: context).value == x.value.softplus())
  }
}
