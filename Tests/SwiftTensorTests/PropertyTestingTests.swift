import SwiftTensor
import SwiftTensorTesting
import Testing

/// The property-based testing library: it must catch wrong backward passes and shrink them to
/// minimal counterexamples, reproducibly.
@Suite struct PropertyTestingTests {
  struct CubeWithSignError<Scalar: TensorScalar>: UnaryOperation {
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    {
      -3 * x * x * dy
    }
  }

  /// Broadcasting add whose backward forgets to sum the gradient back to `b`'s shape.
  struct AddWithoutReduction<Scalar: TensorScalar>: BinaryOperation {
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a + b }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      (
        dy.unbroadcasted(to: a.shape),
        dy.scalarCount == b.scalarCount
          ? dy.reshaped(to: b.shape) : Tensor(repeating: 0, shape: b.shape)
      )
    }
  }

  /// matmul whose backward transposes its `da` once too often, then reshapes it to fit:
  /// right only when `a` is a row or a column.
  struct MatMulWrongTranspose<Scalar: TensorScalar>: BinaryOperation {
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a.matmul(b) }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      let da = dy.matmul(b, transposingOther: true).transposed().reshaped(to: a.shape)
      return (da, a.matmul(dy, transposingSelf: true))
    }
  }

  /// `a·b / k` (attention's scaling) whose backward divides by the wrong dimension of `a`:
  /// right only for square `a`.
  struct ScaledMatMulSquareOnly<Scalar: TensorScalar>: BinaryOperation {
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
      a.matmul(b) / Scalar(a.shape[1])
    }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      let scale = Scalar(a.shape[0])
      return (
        dy.matmul(b, transposingOther: true) / scale, a.matmul(dy, transposingSelf: true) / scale
      )
    }
  }

  func failure(_ body: () throws -> Void) throws -> PropertyFailure {
    do {
      try body()
    } catch let failure as PropertyFailure {
      return failure
    }
    Issue.record("the property did not fail")
    throw PropertyExpectationFailure("no failure")
  }

  func matrices(
    _ m: Gen<Int>, _ k: Gen<Int>, _ n: Gen<Int>
  ) -> Gen<(Tensor<Double>, Tensor<Double>)> {
    zip(m, k, n).flatMap { m, k, n in
      zip(Gen.tensor(Double.self, shape: [m, k]), Gen.tensor(Double.self, shape: [k, n]))
    }
  }

  @Test func signErrorShrinksToOneElement() throws {
    let found = try failure {
      try forAll(Gen.tensor(Double.self, shape: Gen.shape(rank: 0...3, dimension: 0...4))) {
        try expectGradient(of: CubeWithSignError(), at: [$0])
      }
    }
    let minimal = try #require(found.minimal as? Tensor<Double>)
    #expect(minimal.shape == [] || minimal.shape == [1], "\(found)")
    // The value shrinks towards 0 (where both gradients are 0) until the error is within the
    // absolute tolerance.
    #expect(Swift.abs(minimal.scalars.first ?? 0) < 0.1, "\(found)")
    #expect("\(found)".contains("SWIFTTENSOR_TEST_SEED=\(found.seed)"))
    #expect("\(found)".contains("minimal counterexample: Tensor<Double> of shape"))
  }

  @Test func missingBroadcastReductionShrinksToTwoElements() throws {
    let found = try failure {
      try forAll(Gen.broadcastableShapes(rank: 0...3, dimension: 0...4)) { shapes in
        let a = Tensor<Double>.random(shape: shapes.0, lower: -1, upper: 1, seed: 1)
        let b = Tensor<Double>.random(shape: shapes.1, lower: -1, upper: 1, seed: 2)
        try expectGradient(of: AddWithoutReduction(), at: [a, b])
      }
    }
    let (a, b) = try #require(found.minimal as? ([Int], [Int]))
    // The smallest broadcast that needs a reduction: two elements onto one.
    #expect(a.reduce(1, *) == 2 && b.reduce(1, *) == 1, "\(found)")
    #expect(a.count + b.count <= 2, "\(found)")
  }

  @Test func wrongTransposeShrinksToTheSmallestNonSquareCase() throws {
    let dims = Gen.int(in: 1...4)
    let found = try failure {
      try forAll(matrices(dims, dims, dims)) { a, b in
        try expectGradient(of: MatMulWrongTranspose(), at: [a, b])
      }
    }
    let (a, b) = try #require(found.minimal as? (Tensor<Double>, Tensor<Double>))
    // The smallest `a` that is neither a row nor a column, with a single column in `b`.
    #expect(a.shape == [2, 2] && b.shape == [2, 1], "\(found)")
  }

  @Test func gradientRightOnlyForSquareMatricesIsCaught() throws {
    let dims = Gen.int(in: 1...4)
    let found = try failure {
      try forAll(matrices(dims, dims, dims)) { a, b in
        try expectGradient(of: ScaledMatMulSquareOnly(), at: [a, b])
      }
    }
    let (a, b) = try #require(found.minimal as? (Tensor<Double>, Tensor<Double>))
    // The smallest non-square `a` ([1, 2] or [2, 1]) with a single column in `b`.
    #expect(a.shape.reduce(1, *) == 2 && b.shape[1] == 1, "\(found)")
  }

  @Test func theSameSeedGivesTheSameCases() throws {
    let gen = Gen.tensor(Float.self, shape: Gen.shape(rank: 0...3, dimension: 0...4))
    var first: [Tensor<Float>] = []
    var second: [Tensor<Float>] = []
    try forAll(gen, cases: 30, seed: 42) { first.append($0) }
    try forAll(gen, cases: 30, seed: 42) { second.append($0) }
    #expect(first == second)
    var other: [Tensor<Float>] = []
    try forAll(gen, cases: 30, seed: 43) { other.append($0) }
    #expect(first != other)
  }

  @Test func theFailureReportNamesTheSeedThatReproducesIt() throws {
    let gen = Gen.int(in: 0...1000)
    let found = try failure { try forAll(gen, seed: 7) { $0 < 500 } }
    #expect(found.minimal as? Int == 500)
    let again = try failure { try forAll(gen, seed: found.seed) { $0 < 500 } }
    #expect(again.original as? Int == found.original as? Int)
    #expect(again.casesRun == found.casesRun)
  }

  @Test func shrinkingWorksThroughMap() throws {
    let found = try failure { try forAll(Gen.int(in: 0...1000).map { $0 * 2 }) { $0 < 100 } }
    #expect(found.minimal as? Int == 100)
  }

  @Test func shrinkingWorksThroughFlatMap() throws {
    // An array whose length is generated first: the length shrinks while the regenerated
    // elements still fail, then the elements shrink to 0 except the one needed.
    let gen = Gen.int(in: 0...8).flatMap { Gen.int(in: 0...100).array(count: $0) }
    let found = try failure {
      try forAll(gen) { xs in try require(xs.count < 3 || xs.max() ?? 0 < 50) }
    }
    let minimal = try #require(found.minimal as? [Int])
    let original = try #require(found.original as? [Int])
    #expect(minimal.filter { $0 != 0 } == [50] && minimal.count >= 3, "\(found)")
    #expect(minimal.count <= original.count, "\(found)")
  }

  @Test func shrinkingWorksThroughZip() throws {
    let found = try failure {
      try forAll(Gen.int(in: -50...50), Gen.int(in: -50...50)) { a, b in
        try require(a + b < 20, "\(a) + \(b)")
      }
    }
    let (a, b) = try #require(found.minimal as? (Int, Int))
    #expect(a + b == 20, "\(found)")
    #expect(Swift.abs(a) + Swift.abs(b) == 20, "\(found)")
  }

  @Test func shapesRespectTheirRanges() throws {
    try forAll(Gen.shape(rank: 1...3, dimension: 1...4)) { shape in
      try require((1...3).contains(shape.count) && shape.allSatisfy { (1...4).contains($0) })
    }
    try forAll(Gen.broadcastableShapes()) { a, b in
      _ = Tensor<Float>.zeros(shape: a) + Tensor<Float>.zeros(shape: b)
    }
    try forAll(Gen.tensor(Float.self, shape: [20], in: -1...1, awayFrom: 0, by: 0.25)) { x in
      try require(x.scalars.allSatisfy { Swift.abs($0) >= 0.25 && Swift.abs($0) <= 1 }, "\(x)")
    }
    try forAll(Gen.labels(count: 5, classes: 3)) { labels in
      try require(labels.allSatisfy { (0..<3).contains($0) })
    }
    try forAll(Gen.permutation(of: 4)) { p in try require(p.sorted() == [0, 1, 2, 3]) }
  }

  @Test func valuesShrinkTowardsSimpleNumbers() throws {
    let found = try failure {
      try forAll(Gen.tensor(Double.self, shape: [3], in: -10...10)) { x in
        try require(x.scalars.allSatisfy { $0 < 2.5 })
      }
    }
    let minimal = try #require(found.minimal as? Tensor<Double>)
    let sorted = minimal.scalars.sorted()
    // The failing value shrinks to a simple number near the boundary: 2.5, 2.6, ..., 3 (the
    // exact one depends on the run's seed and where the shrinker's steps land).
    let failing = sorted[2]
    #expect(
      sorted[0] == 0 && sorted[1] == 0 && failing >= 2.5 && failing <= 3
        && (failing * 10).rounded() == failing * 10, "\(found)")
    let labels = try failure {
      try forAll(Gen.labels(count: 4, classes: 10)) { try require(!$0.contains(7)) }
    }
    #expect(
      labels.minimal as? [Int] == [0, 0, 0, 7]
        || (labels.minimal as? [Int])?.filter {
          $0 != 0
        } == [7], "\(labels)")
  }

  @Test func parameterCheckCatchesAWrongGradientAndRestoresTheParameters() throws {
    let w = Variable(Tensor<Double>.random(shape: [3, 2], lower: -1, upper: 1, seed: 1))
    let x = Variable(
      Tensor<Double>.random(shape: [4, 3], lower: -1, upper: 1, seed: 2),
      trainable: false)
    let before = w.value
    let right = checkParameterGradients([w]) { x.matmul(w).tanh().sum() }
    #expect(right.passed, "\(right)")
    #expect(w.value == before && w.gradient == nil)
    // The same loss through a backward with a sign error.
    let wrong = checkParameterGradients([w]) { CubeWithSignError()(x.matmul(w)).sum() }
    #expect(!wrong.passed && wrong.worst?.input == 0, "\(wrong)")
    #expect(throws: GradientCheckFailure<Double>.self) {
      try expectParameterGradients([w]) { CubeWithSignError()(x.matmul(w)).sum() }
    }
    #expect(w.value == before)
  }

  @Test func precisionSwapComparesFloatWithDouble() throws {
    let inputs = Gen.tensor(Double.self, shape: Gen.shape(rank: 1...3, dimension: 0...4))
    try forAll(inputs) { x in
      try expectFloatMatchesDouble(Sigmoid<Float>(), Sigmoid<Double>(), at: [x])
      try expectFloatMatchesDouble(at: [x]) {
        [$0[0].softmax(axis: -1)]
      } double: {
        [$0[0].softmax(axis: -1)]
      }
    }
    // Float rounding (about 1e-7 relative) is caught by a Double-sized tolerance, and a
    // different function by the default one.
    let x = Tensor<Double>.random(shape: [50], lower: -3, upper: 3, seed: 5)
    let tight = PrecisionTolerance(absolute: 1e-12, relative: 1e-12)
    #expect(
      !checkFloatAgainstDouble(
        Sigmoid<Float>(), Sigmoid<Double>(), at: [x],
        tolerance: tight
      ).passed)
    let wrong = checkFloatAgainstDouble(at: [x]) {
      [$0[0].sigmoid()]
    } double: {
      [$0[0].tanh()]
    }
    #expect(!wrong.passed, "\(wrong)")
    #expect("\(wrong)".hasPrefix("precision check FAILED: worst at output 0 index"))
  }
}
