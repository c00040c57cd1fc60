import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// `Residual { ... }`: gradients of the input and of the body's parameters against central
/// differences (Float and Double), stable parameter paths, composition in a `Graph`, and the
/// message for a body that changes the shape.
@Suite struct ResidualTests {
  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    let cases = Gen.int(in: 1...3).flatMap { batch in
      Gen.tensor(type, shape: [batch, 2, 3])
    }
    try forAll(cases, cases: 40) { x in
      // No layer norm here: a generated row of nearly equal values makes its finite
      // differences ill-conditioned in Float; the graph test below covers it.
      let block = Residual<T, _> {
        Affine(3, 4, activation: .tanh, seed: 7)
        Affine(4, 3, seed: 8)
      }
      let context = LayerContext(isTraining: true, seed: 0)
      try expectGradient(at: [x]) { block($0[0], context: context) }
      let registrar = ParameterRegistrar<T>()
      block.registerParameters(registrar)
      try expectParameterGradients(registrar.parameters.map(\.variable)) {
        block(Variable(x, trainable: false), context: context).squared().sum()
      }
    }
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  @Test func composesInAGraphWithStablePaths() {
    let graph = Graph<Double>("net", seed: 3) {
      Affine(4, 6)
      Residual {
        LayerNorm([6])
        Affine(6, 8, activation: .gelu(.tanh))
        Affine(8, 6)
      }
      Residual { Affine(6, 6) }
      Affine(6, 2)
    }
    #expect(
      graph.parameters.map(\.path) == [
        "affine_0/W", "affine_0/b", "residual_0/layernorm_0/weight", "residual_0/layernorm_0/bias",
        "residual_0/affine_0/W", "residual_0/affine_0/b", "residual_0/affine_1/W",
        "residual_0/affine_1/b", "residual_1/affine_0/W", "residual_1/affine_0/b", "affine_1/W",
        "affine_1/b",
      ])
    // The same computation spelled out on the graph's own parameters.
    let p = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.path, $0.variable.value) })
    func affine(_ x: Tensor<Double>, _ name: String) -> Tensor<Double> {
      x.matmul(p["\(name)/W"] ?? []) + (p["\(name)/b"] ?? [])
    }
    let x = Tensor<Double>.random(shape: [5, 4], seed: 2)
    let h = affine(x, "affine_0")
    let mean = h.mean(axis: 1, keepingDimensions: true)
    let variance = ((h - mean) * (h - mean)).mean(axis: 1, keepingDimensions: true)
    let normalized = (h - mean) / (variance + 1e-5).sqrt()
    let inner = affine(
      affine(normalized, "residual_0/affine_0").gelu(approximation: .tanh),
      "residual_0/affine_1")
    let h2 = h + inner
    let h3 = h2 + affine(h2, "residual_1/affine_0")
    let expected = affine(h3, "affine_1")
    let got = graph.predict(x)
    let gap = zip(got.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 1
    #expect(got.shape == [5, 2] && gap < 1e-12)
  }

  @Test func aBodyThatChangesTheShapeIsNamed() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let graph = Graph<Float>("net") {
          Affine(4, 4)
          Residual { Affine(4, 3) }
        }
        _ = graph.predict(Tensor<Float>.zeros(shape: [2, 4]))
      },
      "residual_0: Residual: the body maps an input of shape [2, 4] to [2, 3]; a residual "
        + "block needs the input's shape back")
  }
}
