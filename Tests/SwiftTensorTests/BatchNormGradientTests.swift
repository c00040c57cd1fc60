import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Batch normalisation's fused backward pass against central differences, in Float and
/// Double, each on 100 generated inputs (`forAll`) of rank 2 to 4, in training and evaluation
/// mode, with and without the affine parameters.
@Suite struct BatchNormGradientTests {
  /// `[batch, channels, spatial...]` (rank 2 to 4) with per-channel weight and bias; in
  /// training the batch has at least two samples, so every channel has more than one value.
  func cases<T: TensorScalar>(_ type: T.Type, minimumBatch: Int) -> Gen<[Tensor<T>]> {
    zip(
      zip(Gen.int(in: minimumBatch...3), Gen.int(in: 1...3)),
      Gen.shape(rank: 0...2, dimension: 1...3)
    ).flatMap { sizes, spatial in
      let (batch, channels) = sizes
      return zip(
        NormalizationGradientTests.spread(type, shape: [batch, channels] + spatial),
        Gen.tensor(type, shape: [channels], in: 0.5...2),
        Gen.tensor(type, shape: [channels])
      ).map { [$0, $1, $2] }
    }
  }

  func training<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(cases(type, minimumBatch: 2)) { tensors in
      let operation = BatchNormalization<T>(mode: .training)
      try expectGradient(of: operation, at: tensors)
      try expectGradient(of: operation, at: Array(tensors.prefix(2)))
      try expectGradient(of: operation, at: [tensors[0]])
      // The variable spelling (which updates running statistics on the way), and a second use
      // of the output (the gradient accumulates).
      let channels = tensors[0].shape[1]
      try expectGradient(at: tensors) { v in
        let y = v[0].batchNormalized(
          weight: v[1], bias: v[2], runningMean: Variable(.zeros(shape: [channels])),
          runningVariance: Variable(.ones(shape: [channels])), epsilon: 1e-3, training: true)
        return y * y + y
      }
    }
  }

  @Test func trainingFloat() throws { try training(Float.self) }
  @Test func trainingDouble() throws { try training(Double.self) }

  func evaluation<T: TensorScalar>(_ type: T.Type) throws {
    let generated = zip(
      cases(type, minimumBatch: 1), Gen.tensor(type, shape: [3], in: -1...1),
      Gen.tensor(type, shape: [3], in: 0.5...2))
    try forAll(generated) { tensors, mean, variance in
      let channels = tensors[0].shape[1]
      let (runningMean, runningVariance) = (
        Tensor(shape: [channels], scalars: Array(mean.scalars.prefix(channels))),
        Tensor(shape: [channels], scalars: Array(variance.scalars.prefix(channels)))
      )
      let operation = BatchNormalization<T>(
        mode: .evaluation(runningMean: runningMean, runningVariance: runningVariance))
      try expectGradient(of: operation, at: tensors)
      try expectGradient(of: operation, at: [tensors[0]])
      try expectGradient(at: tensors) { v in
        let y = v[0].batchNormalized(
          weight: v[1], bias: v[2], runningMean: Variable(runningMean, trainable: false),
          runningVariance: Variable(runningVariance, trainable: false), training: false)
        return y * y + y
      }
    }
  }

  @Test func evaluationFloat() throws { try evaluation(Float.self) }
  @Test func evaluationDouble() throws { try evaluation(Double.self) }

  /// A channel's normalised values sum to 0 whatever the input, so in training a plain sum has
  /// no input gradient at all (the batch statistics absorb it); in evaluation it is
  /// `rstd·γ` everywhere. A backward that ignored the statistics' dependence on `x` would give
  /// the latter in both modes.
  @Test func theStatisticsCarryGradientOnlyInTraining() {
    let x = Tensor<Double>([[1, 4], [2, 8], [-3, 0.5]])
    let tape = Tape<Double>()
    let input = tape.variable(x)
    input.batchNormalized(
      runningMean: Variable(.zeros(shape: [2])), runningVariance: Variable(.ones(shape: [2])),
      training: true
    ).sum().backward()
    for g in input.gradient?.scalars ?? [1] { #expect(Swift.abs(g) < 1e-12) }
    let evaluationTape = Tape<Double>()
    let evaluated = evaluationTape.variable(x)
    evaluated.batchNormalized(
      runningMean: Variable(.zeros(shape: [2])), runningVariance: Variable(Tensor([4, 16])),
      epsilon: 0, training: false
    ).sum().backward()
    expectClose(
      evaluated.gradient ?? .zeros(shape: [3, 2]),
      Tensor([[0.5, 0.25], [0.5, 0.25], [0.5, 0.25]]))
  }

  /// A network with a `BatchNorm` trains: its loss falls under SGD, its running statistics
  /// move, and its parameters and buffers carry PyTorch's names.
  @Test func layerTrains() {
    let model = Graph<Double>("net", seed: 4) {
      Affine(3, 8)
      ReshapeLayer([2, 4])
      BatchNorm(channels: 2)
      Tanh()
      Flatten()
      Affine(8, 1)
    }
    #expect(
      model.parameters.map(\.path) == [
        "affine_0/W", "affine_0/b", "batchnorm_0/weight", "batchnorm_0/bias", "affine_1/W",
        "affine_1/b",
      ])
    #expect(model.buffers.map(\.path) == ["batchnorm_0/running_mean", "batchnorm_0/running_var"])
    let (first, last) = trainOnSmallRegression(model)
    #expect(last < first * 0.5, "loss went from \(first) to \(last)")
    #expect(model.buffers[0].variable.value != .zeros(shape: [2]))
    #expect(model.buffers.allSatisfy { $0.variable.gradient == nil && !$0.variable.isTrainable })
  }
}
