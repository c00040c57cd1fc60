import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// `Affine` on inputs of rank 3 (the map applies to the last axis) and the fused GELU
/// activation: gradients against central differences on generated inputs, in Float and Double,
/// and equality with `Affine` followed by `GELU`.
@Suite struct AffineBlockTests {
  static let activations: [FusedActivation] = [.identity, .tanh, .gelu(.tanh), .gelu(.exact)]

  func rankThree<T: TensorScalar>(_ type: T.Type) throws {
    let size = Gen.int(in: 1...3)
    let cases = zip(zip(size, size, size), zip(size, Gen.element(of: Self.activations)))
      .flatMap { first, second in
        let ((batch, time, inputs), (outputs, activation)) = (first, second)
        return zip(
          Gen.tensor(type, shape: [batch, time, inputs]),
          Gen.tensor(type, shape: [inputs, outputs]),
          Gen.tensor(type, shape: [outputs])
        ).map { (tensors: [$0, $1, $2], activation: activation) }
      }
    try forAll(cases, cases: 60) { c in
      try expectGradient(at: c.tensors) { $0[0].affine($0[1], $0[2], activation: c.activation) }
      try expectGradient(of: AffineTransform(activation: c.activation), at: c.tensors)
      // An input shared by two maps: the second backward adds its product to the gradient the
      // first one left.
      try expectGradient(at: c.tensors) { v in
        v[0].affine(v[1], v[2], activation: c.activation) * v[0].affine(v[1], v[2])
      }
    }
  }

  /// An input shared by three maps of the sizes that run the packed products (the query, key
  /// and value projections of an attention layer): its gradient, added up by the products
  /// themselves, against the sum of the three maps' gradients taken one map per tape, in Double.
  @Test func sharedInputGradientMatchesSeparateMaps() {
    func gradients<T: TensorScalar>(_: T.Type, maps: [Int]) -> [Double] {
      let tape = Tape<T>()
      let x = tape.variable(Tensor<T>.random(shape: [3, 50, 40], lower: -1, upper: 1, seed: 1))
      var total: Variable<T>? = nil
      for seed in maps {
        let w = tape.variable(Tensor<T>.random(shape: [40, 48], seed: UInt64(10 + seed)))
        let b = tape.variable(Tensor<T>.random(shape: [48], seed: UInt64(20 + seed)))
        let projection = Tensor<T>.random(shape: [3, 50, 48], seed: UInt64(30 + seed))
        let term = (x.affine(w, b) * Variable(projection, trainable: false)).sum()
        total = total.map { $0 + term } ?? term
      }
      total?.backward()
      return (x.gradient?.scalars ?? []).map { Double($0) }
    }
    let separate = (0..<3).map { gradients(Double.self, maps: [$0]) }
    let reference = (0..<separate[0].count).map { i in separate.map { $0[i] }.reduce(0, +) }
    for (name, shared) in [
      ("Float", gradients(Float.self, maps: [0, 1, 2])),
      ("Double", gradients(Double.self, maps: [0, 1, 2])),
    ] {
      #expect(shared.count == 3 * 50 * 40)
      let worst = zip(shared, reference).map { Swift.abs($0 - $1) }.max() ?? 1
      #expect(worst < (name == "Float" ? 1e-4 : 1e-12), "\(name): worst error \(worst)")
    }
  }

  @Test func rankThreeGradientsFloat() throws { try rankThree(Float.self) }
  @Test func rankThreeGradientsDouble() throws { try rankThree(Double.self) }

  func fusedGELU<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(
      Gen.tensor(type, shape: [4, 3], in: -3...3), Gen.tensor(type, shape: [3, 5]),
      Gen.tensor(type, shape: [5]))
    try forAll(cases, cases: 60) { x, w, b in
      for approximation in [GELUApproximation.tanh, .exact] {
        try expectGradient(at: [x, w, b]) {
          $0[0].affine($0[1], $0[2], activation: .gelu(approximation))
        }
      }
    }
  }

  @Test func fusedGELUGradientsFloat() throws { try fusedGELU(Float.self) }
  @Test func fusedGELUGradientsDouble() throws { try fusedGELU(Double.self) }

  /// The fused layer gives the values and gradients of `Affine` followed by `GELU`, to 1e-12 in
  /// Double, on inputs of rank 2 and 3.
  @Test(arguments: [GELUApproximation.tanh, .exact], [[6, 8], [2, 3, 8]])
  func fusedGELUMatchesAffineThenGELU(approximation: GELUApproximation, shape: [Int]) {
    let x = Tensor<Double>.random(shape: shape, lower: -3, upper: 3, seed: 4)
    let weights = Tensor<Double>.random(shape: shape.dropLast() + [5], seed: 6)
    var results: [[Tensor<Double>]] = []
    for fused in [false, true] {
      let affine = Affine<Double>(8, 5, activation: fused ? .gelu(approximation) : .identity)
      affine.initializeParameters(seed: 3)
      let tape = Tape<Double>()
      let input = tape.variable(x)
      var output = affine(input, context: LayerContext(isTraining: true, seed: 0))
      if !fused { output = output.gelu(approximation: approximation) }
      (output * Variable(weights, trainable: false)).sum().backward()
      results.append([
        output.value, input.gradient ?? [], affine.weight.gradient ?? [],
        affine.bias?.gradient ?? [],
      ])
    }
    #expect(results[1][0].shape == shape.dropLast() + [5])
    for (index, (a, b)) in zip(results[0], results[1]).enumerated() {
      #expect(a.shape == b.shape, "result \(index)")
      let gap = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
      #expect(gap <= 1e-12, "\(approximation) result \(index): \(gap)")
    }
  }

  /// Without a tape the fused activation runs in place and gives the recorded values.
  @Test func fusedGELUOnTensorsMatchesTheRecordedOutput() {
    let x = Tensor<Float>.random(shape: [2, 3, 4], lower: -2, upper: 2, seed: 1)
    let w = Tensor<Float>.random(shape: [4, 6], seed: 2)
    let operation = AffineTransform<Float>(activation: .gelu(.tanh))
    let tape = Tape<Float>()
    let recorded = operation(tape.variable(x), tape.variable(w)).value
    #expect(operation(x, w) == recorded)
    #expect(
      recorded
        == x.reshaped(to: [6, 4]).matmul(w).gelu(approximation: .tanh).reshaped(
          to: [2, 3, 6]))
  }
}
