import Testing

@testable import SwiftTensor

/// Bad input to batch normalisation and mistakes with buffers stop with a message naming the
/// layer path, the shapes given and what was expected.
@Suite struct BatchNormErrorTests {
  static func net() -> Graph<Float> {
    Graph<Float>("bn") {
      Affine(2, 2)
      BatchNorm(channels: 3)
    }
  }

  @Test func layerMistakesNameThePath() async {
    let rank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let layer = BatchNorm<Float>(channels: 3)
      let registrar = ParameterRegistrar<Float>()
      registrar.layer("block") { layer.registerParameters($0) }
      _ = layer(
        Variable(.zeros(shape: [2, 3, 1, 1, 1])), context: LayerContext(isTraining: false, seed: 0))
    }
    expectStderr(
      rank,
      "block_0/batchnorm_0: BatchNorm: input of shape [2, 3, 1, 1, 1] has rank 5; expected "
        + "[batch, 3], [batch, 3, length] or [batch, 3, height, width]")
    let channels = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Self.net().predict(.zeros(shape: [4, 2]))
    }
    expectStderr(
      channels,
      "batchnorm_0: BatchNorm: input of shape [4, 2] has 2 channels; expected [batch, 3, ...] "
        + "for a layer of 3 channels")
    let single = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("bn") { BatchNorm(channels: 3) }
      _ = model.forward(
        Variable(.zeros(shape: [1, 3])), context: LayerContext(isTraining: true, seed: 0))
    }
    expectStderr(
      single,
      "batchnorm_0: BatchNorm: expected more than 1 value per channel when training, got input "
        + "of shape [1, 3]")
  }

  @Test func operationMistakes() async {
    let single = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Double>.zeros(shape: [1, 2, 1]).batchNormalized()
    }
    expectStderr(
      single,
      "BatchNormalization: expected more than 1 value per channel when training, got input of "
        + "shape [1, 2, 1]")
    let rank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [6]).batchNormalized()
    }
    expectStderr(
      rank,
      "BatchNormalization: input of shape [6] has rank 1; expected [batch, channels], "
        + "[batch, channels, length] or [batch, channels, height, width]")
    let running = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).batchNormalized(
        runningMean: .zeros(shape: [2]), runningVariance: .ones(shape: [3]))
    }
    expectStderr(
      running, "BatchNormalization: running mean of shape [2] for 3 channels; expected [3]")
    let variance = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Variable(Tensor<Float>.zeros(shape: [2, 3])).batchNormalized(
        runningMean: Variable(.zeros(shape: [3])), runningVariance: Variable(.ones(shape: [4])),
        training: true)
    }
    expectStderr(
      variance, "BatchNormalization: running variance of shape [4] for 3 channels; expected [3]")
    let weight = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).batchNormalized(weight: .ones(shape: [1, 3]))
    }
    expectStderr(weight, "BatchNormalization: weight of shape [1, 3] for 3 channels; expected [3]")
  }

  @Test func bufferMistakes() async {
    let twice = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let registrar = ParameterRegistrar<Float>()
      registrar.layer("norm") { scope in
        scope.add("scale", Variable(.ones(shape: [2])), initializer: .constant(1))
        scope.addBuffer("scale", Variable(.ones(shape: [2])), initializer: .constant(1))
      }
    }
    expectStderr(twice, "ParameterRegistrar: the buffer path 'norm_0/scale' is registered twice")
    // A batch norm without affine parameters holds only buffers; forgetting to register it
    // would leave them out of every checkpoint.
    let unregistered = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      final class Forgetful: Model {
        let norm = BatchNorm<Float>(channels: 2, affine: false)
        func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
          norm(x, context: context)
        }
        func registerParameters(_ registrar: ParameterRegistrar<Float>) {}
      }
      Forgetful().checkRegistration()
    }
    expectStderr(
      unregistered,
      "registerParameters(_:) does not list the parameters of 'norm' "
        + "(batchnorm_0/running_mean, batchnorm_0/running_var); they would never train or be saved")
    let momentum = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = BatchNorm<Float>(channels: 2, momentum: 1.5)
    }
    expectStderr(momentum, "BatchNorm: momentum 1.5; expected a value in 0...1")
  }
}
