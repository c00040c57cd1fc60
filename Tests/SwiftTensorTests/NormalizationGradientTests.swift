import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The fused normalisations' backward passes against central differences, in Float and Double,
/// each on 100 generated inputs (`forAll`), with and without the affine parameters.
@Suite struct NormalizationGradientTests {
  /// A tensor of `shape` whose scalars are distinct and spread over about `-2...2` (a shuffled
  /// grid, jittered by less than half its step), so no row is nearly constant: a row's
  /// variance near 0 would put `1/√(var + ε)` far from where finite differences are accurate.
  static func spread<T: TensorScalar>(_: T.Type, shape: [Int]) -> Gen<Tensor<T>> {
    let count = shape.reduce(1, *)
    return zip(Gen.permutation(of: count), Gen.tensor(T.self, shape: [count], in: -0.3...0.3))
      .map { order, jitter in
        let step = 4 / Double(Swift.max(count, 1))
        let scalars = zip(order, jitter.scalars).map { slot, noise in
          T((Double(slot) + Double(noise)) * step - 2)
        }
        return Tensor(shape: shape, scalars: scalars)
      }
  }

  /// An input `[leading..., normalizedShape...]` with weight and bias of `normalizedShape`.
  func layerCases<T: TensorScalar>(_ type: T.Type) -> Gen<([Int], [Tensor<T>])> {
    zip(Gen.shape(rank: 0...2, dimension: 0...3), Gen.shape(rank: 1...2, dimension: 2...4))
      .flatMap { leading, normalized in
        zip(
          Self.spread(type, shape: leading + normalized),
          Gen.tensor(type, shape: normalized, in: 0.5...2),
          Gen.tensor(type, shape: normalized)
        ).map { (normalized, [$0, $1, $2]) }
      }
  }

  func layerNormalization<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(layerCases(type)) { normalized, tensors in
      let operation = LayerNormalization<T>(normalizedShape: normalized)
      try expectGradient(of: operation, at: tensors)
      try expectGradient(of: operation, at: Array(tensors.prefix(2)))
      try expectGradient(of: operation, at: [tensors[0]])
      // The variable spelling, and a second use of the output (the gradient accumulates).
      try expectGradient(at: tensors) { v in
        let y = v[0].layerNormalized(over: normalized, weight: v[1], bias: v[2], epsilon: 1e-3)
        return y * y + y
      }
      // A residual around the norm: the input's gradient from the addition is already there
      // when the norm's backward adds its own into the same buffer.
      try expectGradient(at: tensors) { v in
        let y = v[0].layerNormalized(over: normalized, weight: v[1], bias: v[2], epsilon: 1e-3)
        return (v[0] + y) * (v[0] + y)
      }
    }
  }

  @Test func layerNormalizationFloat() throws { try layerNormalization(Float.self) }
  @Test func layerNormalizationDouble() throws { try layerNormalization(Double.self) }

  /// `[batch, groups·perGroup, spatial...]`, with per-channel weight and bias.
  func groupCases<T: TensorScalar>(_ type: T.Type) -> Gen<(Int, [Tensor<T>])> {
    zip(
      zip(Gen.int(in: 1...2), Gen.int(in: 1...3), Gen.int(in: 1...3)),
      Gen.shape(rank: 0...2, dimension: 1...3)
    ).flatMap { sizes, spatial in
      let (batch, groups, perGroup) = sizes
      let channels = groups * perGroup
      return zip(
        Self.spread(type, shape: [batch, channels] + spatial),
        Gen.tensor(type, shape: [channels], in: 0.5...2),
        Gen.tensor(type, shape: [channels])
      ).map { (groups, [$0, $1, $2]) }
    }
  }

  func groupNormalization<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(groupCases(type)) { groups, tensors in
      let operation = GroupNormalization<T>(groups: groups)
      try expectGradient(of: operation, at: tensors)
      try expectGradient(of: operation, at: [tensors[0]])
      try expectGradient(at: tensors) { v in
        let y = v[0].groupNormalized(groups: groups, weight: v[1], bias: v[2])
        return y * y + y
      }
      try expectGradient(at: tensors) { v in
        let y = v[0].groupNormalized(groups: groups, weight: v[1], bias: v[2])
        return (v[0] + y) * (v[0] + y)
      }
    }
  }

  @Test func groupNormalizationFloat() throws { try groupNormalization(Float.self) }
  @Test func groupNormalizationDouble() throws { try groupNormalization(Double.self) }

  /// A layer norm's output per row has mean 0 and variance 1 (before the affine map), so
  /// its plain sum has a zero gradient: the backward must give exactly that, not noise.
  @Test func sumOfANormalizedRowHasNoGradient() {
    let tape = Tape<Double>()
    let x = tape.variable(Tensor([[1, 4, 2, 8], [-3, 0.5, 7, 2]]))
    x.layerNormalized(over: [4]).sum().backward()
    for g in x.gradient?.scalars ?? [1] { #expect(Swift.abs(g) < 1e-12) }
  }

  /// The layers train: a small network with a `LayerNorm` and a `GroupNorm` fits a target
  /// better after some steps of SGD, and its parameters carry PyTorch's names.
  @Test func layersTrain() {
    let model = Graph<Double>("net", seed: 4) {
      Affine(3, 8)
      LayerNorm([8])
      Tanh()
      ReshapeLayer([4, 2])
      GroupNorm(groups: 2, channels: 4)
      Flatten()
      Affine(8, 1)
    }
    #expect(
      model.parameters.map(\.path) == [
        "affine_0/W", "affine_0/b", "layernorm_0/weight", "layernorm_0/bias",
        "groupnorm_0/weight", "groupnorm_0/bias", "affine_1/W", "affine_1/b",
      ])
    #expect(model.parameters[2].variable.value.scalars == Array(repeating: 1, count: 8))
    #expect(model.parameters[3].variable.value.scalars == Array(repeating: 0, count: 8))
    let (first, last) = trainOnSmallRegression(model)
    #expect(last < first * 0.5, "loss went from \(first) to \(last)")
  }
}
