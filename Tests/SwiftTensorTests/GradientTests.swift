import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Every operation's backward against central differences, in Float and Double, each on 100
/// generated inputs (`forAll`): shapes of rank 0 to 3 with size-0 and size-1 dimensions,
/// broadcasting pairs for binary operations, and values kept away from kinks and poles.
@Suite struct GradientTests {
  /// Shapes of rank 0 to 3 with dimensions 0 to 4.
  static var anyShape: Gen<[Int]> { Gen.shape(rank: 0...3, dimension: 0...4) }

  /// Checks `function`'s gradient on every case of `inputs`.
  func check<T: TensorScalar>(
    _ inputs: Gen<[Tensor<T>]>, sourceLocation: SourceLocation = #_sourceLocation,
    _ function: @escaping ([Variable<T>]) -> Variable<T>
  ) throws {
    try forAll(inputs) { try expectGradient(at: $0, of: function) }
  }

  func tensor<T: TensorScalar>(
    _: T.Type, _ shape: Gen<[Int]> = anyShape, in range: ClosedRange<Double> = -2...2
  ) -> Gen<[Tensor<T>]> {
    Gen.tensor(T.self, shape: shape, in: range).map { [$0] }
  }

  /// A tensor of rank 1 to 3 and one of its axes.
  func tensorAndAxis<T: TensorScalar>(_: T.Type) -> Gen<(Tensor<T>, Int)> {
    Gen.shape(rank: 1...3, dimension: 0...4).flatMap { shape in
      zip(Gen.tensor(T.self, shape: shape), Gen.int(in: 0..<shape.count))
    }
  }

  func elementwise<T: TensorScalar>(_ type: T.Type) throws {
    let x = tensor(type)
    let positive = tensor(type, in: 0.5...2)
    try check(x) { -$0[0] }
    try check(x) { $0[0].exp() }
    try check(positive) { $0[0].log() }
    try check(positive) { $0[0].sqrt() }
    try check(x) { $0[0].pow(3) }
    try check(positive) { $0[0].pow(-1.5) }
    // relu has a kink at 0: the generator keeps away from it.
    try check(Gen.tensor(type, shape: Self.anyShape, awayFrom: 0, by: 0.1).map { [$0] }) {
      $0[0].relu()
    }
    try check(x) { $0[0].sigmoid() }
    try check(x) { $0[0].tanh() }
    try check(x) { 2 - $0[0] * 3 + 1 }
    // Dropout's mask multiplication, with a generated 0/2 mask of the input's shape.
    let masked = Self.anyShape.flatMap { shape in
      zip(Gen.tensor(type, shape: shape), Gen.tensor(type, shape: shape, in: 0...1))
    }
    try forAll(masked) { x, uniform in
      let mask = (uniform .>= T(0.5)) * T(2)
      try expectGradient(at: [x]) { MaskMultiply(mask: mask)($0[0]) }
    }
  }

  /// relu's backward reads its output: at the kink and at NaN it must agree with the
  /// derivative written on the input, `[x > 0]` (zero at either zero and at NaN).
  @Test func reluGradientFromTheOutputAtZerosAndNaN() {
    func check<T: TensorScalar>(_: T.Type) {
      let tape = Tape<T>()
      let x = tape.variable(Tensor<T>([-1, -0.0, 0, 2, T.nan, T.infinity, -T.infinity]))
      (x.relu() * 3).sum().backward()
      #expect(x.gradient == [0, 0, 0, 3, 0, 3, 0])
    }
    check(Float.self)
    check(Double.self)
  }

  @Test func elementwiseFloat() throws { try elementwise(Float.self) }
  @Test func elementwiseDouble() throws { try elementwise(Double.self) }

  func reductions<T: TensorScalar>(_ type: T.Type) throws {
    try check(tensor(type)) { $0[0].sum() }
    try check(tensor(type)) { $0[0].mean() }
    let axisCases = zip(tensorAndAxis(type), Gen.bool)
    try forAll(axisCases) { input, keeping in
      let (x, axis) = input
      try expectGradient(at: [x]) { $0[0].sum(axis: axis, keepingDimensions: keeping) }
      try expectGradient(at: [x]) { $0[0].mean(axis: axis, keepingDimensions: keeping) }
      try expectGradient(at: [x]) { $0[0].softmax(axis: axis) }
      try expectGradient(at: [x]) { $0[0].logSoftmax(axis: axis) }
    }
    // Several axes at once.
    let axesCases = Gen.shape(rank: 1...3, dimension: 0...4).flatMap { shape in
      zip(Gen.tensor(type, shape: shape), Gen.bool.array(count: shape.count))
    }
    try forAll(axesCases) { x, chosen in
      let axes = chosen.indices.filter { chosen[$0] }
      try expectGradient(at: [x]) { $0[0].sum(axes: axes) }
      try expectGradient(at: [x]) { $0[0].mean(axes: axes, keepingDimensions: true) }
    }
  }

  @Test func reductionsFloat() throws { try reductions(Float.self) }
  @Test func reductionsDouble() throws { try reductions(Double.self) }

  func binary<T: TensorScalar>(_ type: T.Type) throws {
    let pairs = Gen.broadcastableShapes(rank: 0...3, dimension: 0...4)
    let operands = pairs.flatMap { a, b in
      zip(Gen.tensor(type, shape: a), Gen.tensor(type, shape: b)).map { [$0, $1] }
    }
    try check(operands) { $0[0] + $0[1] }
    try check(operands) { $0[0] - $0[1] }
    try check(operands) { $0[0] * $0[1] }
    // The quotient's pole at 0: denominators keep away from it.
    let quotients = pairs.flatMap { a, b in
      zip(Gen.tensor(type, shape: a), Gen.tensor(type, shape: b, awayFrom: 0, by: 0.5))
        .map { [$0, $1] }
    }
    try check(quotients) { $0[0] / $0[1] }
    try check(operands.map { $0 + [$0[1]] }) { Variable.sum($0) }
    try check(tensor(type)) { $0[0] * $0[0] + $0[0] }
  }

  @Test func binaryBroadcastingFloat() throws { try binary(Float.self) }
  @Test func binaryBroadcastingDouble() throws { try binary(Double.self) }

  func linear<T: TensorScalar>(_ type: T.Type) throws {
    let size = Gen.int(in: 0...4)
    let transposes = zip(Gen.bool, Gen.bool)
    let products = zip(zip(size, size, size), transposes).flatMap { sizes, flags in
      let ((m, k, n), (left, right)) = (sizes, flags)
      return zip(
        Gen.tensor(type, shape: left ? [k, m] : [m, k]),
        Gen.tensor(type, shape: right ? [n, k] : [k, n])
      ).map { (a: $0, b: $1, left: left, right: right) }
    }
    try forAll(products) { c in
      try expectGradient(at: [c.a, c.b]) {
        $0[0].matmul($0[1], transposingSelf: c.left, transposingOther: c.right)
      }
    }
    // Batched, with either operand possibly shared across the batch (rank 2).
    let batched = zip(zip(Gen.int(in: 1...3), size, size), zip(size, Gen.int(in: 0...2)))
      .flatMap { first, second in
        let ((batch, m, k), (n, shared)) = (first, second)
        return zip(
          Gen.tensor(type, shape: shared == 1 ? [m, k] : [batch, m, k]),
          Gen.tensor(type, shape: shared == 2 ? [k, n] : [batch, k, n])
        ).map { [$0, $1] }
      }
    try check(batched) { $0[0].matmul($0[1]) }
    let affine = zip(zip(size, size, size), Gen.bool).flatMap { sizes, withBias in
      let (batch, input, output) = sizes
      let inputs = zip(
        Gen.tensor(type, shape: [batch, input]), Gen.tensor(type, shape: [input, output]))
      return zip(inputs, Gen.tensor(type, shape: [output])).map { xw, b in
        withBias ? [xw.0, xw.1, b] : [xw.0, xw.1]
      }
    }
    try check(affine) { $0.count == 3 ? $0[0].affine($0[1], $0[2]) : $0[0].affine($0[1]) }
    // With a fused smooth activation (relu's kink is covered by the comparison with the unfused
    // operations in LayerTests).
    for activation in [FusedActivation.sigmoid, .tanh] {
      try check(affine) {
        $0.count == 3
          ? $0[0].affine($0[1], $0[2], activation: activation)
          : $0[0].affine($0[1], activation: activation)
      }
    }
  }

  @Test func matmulAndAffineFloat() throws { try linear(Float.self) }
  @Test func matmulAndAffineDouble() throws { try linear(Double.self) }

  func shapes<T: TensorScalar>(_ type: T.Type) throws {
    // Reshape to a flat vector, to the reversed shape, and with a size-1 axis appended.
    let reshapes = zip(Gen.tensor(type, shape: Self.anyShape), Gen.int(in: 0...2))
    try forAll(reshapes) { x, kind in
      let target = [[-1], x.shape.reversed(), x.shape + [1]][kind]
      try expectGradient(at: [x]) { $0[0].reshaped(to: target) }
    }
    try check(tensor(type)) { $0[0].transposed() }
    let permuted = Gen.shape(rank: 0...3, dimension: 0...4).flatMap { shape in
      zip(Gen.tensor(type, shape: shape), Gen.permutation(of: shape.count))
    }
    try forAll(permuted) { x, permutation in
      try expectGradient(at: [x]) { $0[0].transposed(permutation: permutation) }
    }
    // Pieces that differ only along the axis of concatenation (or split).
    let pieces = zip(tensorAndAxis(type).map(\.0.shape), Gen.int(in: 0...3).array(count: 1...3))
      .flatMap { shape, sizes in
        let axis = shape.count - 1
        let shapes = sizes.map { size in shape.enumerated().map { $0 == axis ? size : $1 } }
        return zip(
          Gen.constant(axis), Gen.constant(sizes),
          shapes.reduce(Gen.constant([])) {
            list, shape in zip(list, Gen.tensor(type, shape: shape)).map { $0 + [$1] }
          })
      }
    try forAll(pieces) { axis, sizes, xs in
      try expectGradient(at: xs) { Variable.concatenate($0, axis: axis) }
      let whole = Tensor.concatenate(xs, axis: axis)
      try expectGradient(at: [whole]) { v in
        let parts = v[0].split(sizes: sizes, axis: axis)
        // Pieces used differently, one possibly unused.
        return Variable.concatenate(
          parts.enumerated().map { $1 * T(Double($0) + 1) }.dropLast(sizes.count > 1 ? 1 : 0),
          axis: axis)
      }
    }
    let stacks = zip(Gen.shape(rank: 0...2, dimension: 0...4), Gen.int(in: 1...3))
      .flatMap { shape, count in
        zip(Gen.tensor(type, shape: shape).array(count: count), Gen.int(in: 0...shape.count))
      }
    try forAll(stacks) { xs, axis in
      try expectGradient(at: xs) { Variable.stack($0, axis: axis) }
    }
    // An index or a range per axis, for a prefix of the axes.
    let indexed = Gen.shape(rank: 1...3, dimension: 1...4).flatMap { shape in
      let perAxis = shape.map { dimension in
        zip(Gen.bool, Gen.int(in: 0..<dimension), Gen.int(in: 0...dimension))
          .map { isRange, a, b -> any TensorIndexExpression in
            isRange ? Swift.min(a, b)..<Swift.max(a, b) : a
          }
      }
      let expressions = perAxis.reduce(Gen.constant([any TensorIndexExpression]())) {
        list, axis in zip(list, axis).map { $0 + [$1] }
      }
      return zip(Gen.tensor(type, shape: shape), expressions, Gen.int(in: 1...shape.count))
    }
    try forAll(indexed) { x, expressions, count in
      let indices = Array(expressions.prefix(count))
      try expectGradient(at: [x]) { Index(indices)($0[0]) }
    }
  }

  @Test func shapeOperationsFloat() throws { try shapes(Float.self) }
  @Test func shapeOperationsDouble() throws { try shapes(Double.self) }

  func losses<T: TensorScalar>(_ type: T.Type) throws {
    let reductions = Gen.element(of: [LossReduction.mean, .sum, .none])
    let classification = zip(Gen.int(in: 0...4), Gen.int(in: 1...4)).flatMap { batch, classes in
      zip(Gen.tensor(type, shape: [batch, classes]), Gen.labels(count: batch, classes: classes))
    }
    try forAll(classification, reductions) { input, reduction in
      let (logits, labels) = input
      try expectGradient(
        of: SoftmaxCrossEntropy(labels: labels, reduction: reduction), at: [logits])
    }
    let regression = Gen.shape(rank: 0...3, dimension: 0...4).flatMap { shape in
      zip(Gen.tensor(type, shape: shape), Gen.tensor(type, shape: shape))
    }
    try forAll(regression, reductions) { pair, reduction in
      try expectGradient(of: SquareLoss(reduction: reduction), at: [pair.0, pair.1])
    }
  }

  @Test func lossesFloat() throws { try losses(Float.self) }
  @Test func lossesDouble() throws { try losses(Double.self) }

  /// A two-layer network checked through its parameters, as a whole-model test would.
  func network<T: TensorScalar>(_ type: T.Type) throws {
    let sizes = zip(Gen.int(in: 1...4), Gen.int(in: 1...4), Gen.int(in: 1...4))
    let networks = zip(sizes, Gen.int(in: 1...3)).flatMap { sizes, classes in
      let (batch, input, hidden) = sizes
      return zip(
        zip(Gen.tensor(type, shape: [batch, input]), Gen.labels(count: batch, classes: classes)),
        zip(Gen.tensor(type, shape: [input, hidden]), Gen.tensor(type, shape: [hidden])),
        Gen.tensor(type, shape: [hidden, classes]))
    }
    try forAll(networks, cases: 50) { data, layer1, w2 in
      let x = Variable(data.0, trainable: false)
      let parameters = [Variable(layer1.0), Variable(layer1.1), Variable(w2)]
      try expectParameterGradients(parameters) {
        x.affine(parameters[0], parameters[1]).sigmoid().matmul(parameters[2])
          .softmaxCrossEntropy(labels: data.1)
      }
    }
  }

  @Test func twoLayerNetworkFloat() throws { try network(Float.self) }
  @Test func twoLayerNetworkDouble() throws { try network(Double.self) }

  @Test func handWorkedCrossEntropy() throws {
    // logits [0, ln 3]: p = [1/4, 3/4]; label 1: loss = -ln(3/4); dlogits = p - onehot.
    let tape = Tape<Double>()
    let logits = tape.variable(Tensor(shape: [1, 2], scalars: [0, Double.log(3)]))
    let loss = logits.softmaxCrossEntropy(labels: [1])
    #expect(Swift.abs(loss.value.scalar - (-Double.log(0.75))) < 1e-12)
    loss.backward()
    expectClose(try #require(logits.gradient), [[0.25, -0.25]], tolerance: 1e-12)
  }
}

extension Double {
  fileprivate static func log(_ x: Double) -> Double { Tensor([x]).log().scalars[0] }
}
