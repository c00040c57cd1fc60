import Foundation
import SwiftTensor
import Testing

// The README's "Models" section, as written there (one epoch instead of 40, and a temporary
// directory for the files), so it cannot rot.

private final class TwoLayers: Model {
  let hidden = Affine<Float>(64, 30)
  let output = Affine<Float>(30, 10)
  init() { initializeParameters(seed: 0) }
  func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
    output(hidden(x, context: context).sigmoid(), context: context)
  }
  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    hidden.registerParameters(registrar)
    output.registerParameters(registrar)
  }
}

@Suite struct ReadmeModelExampleTests {
  @Test func graphTrainSaveAndChart() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swifttensor-readme-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let (train, test) = try Digits.load(as: Float.self)
    let mlp = Graph<Float>("mlp") {
      Affine(64, 30)
      Sigmoid()
      Affine(30, 10)
    }
    let trainer = Trainer(mlp, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.01))
    trainer.reportsProgress = false
    let history = try trainer.fit(train, validation: test, epochs: 1, batchSize: 1)
    try mlp.save(to: directory.appendingPathComponent("mlp.safetensors"))
    try history.svg().write(
      toFile: directory.appendingPathComponent("history.svg").path, atomically: true,
      encoding: .utf8)

    #expect(mlp.parameters.map(\.path) == ["affine_0/W", "affine_0/b", "affine_1/W", "affine_1/b"])
    // One epoch of pytensor's setting already classifies far better than chance (0.1).
    #expect((history.epochs.first?.validationAccuracy ?? 0) > 0.3)
    let saved = try SafeTensors(contentsOf: directory.appendingPathComponent("mlp.safetensors"))
    #expect(saved.names == mlp.parameters.map(\.path))
  }

  @Test func modelClassMatchesTheGraph() {
    let graph = Graph<Float>("mlp", seed: 0) {
      Affine(64, 30)
      Sigmoid()
      Affine(30, 10)
    }
    let custom = TwoLayers()
    let x = Tensor<Float>.random(shape: [3, 64], seed: 5)
    #expect(custom.predict(x) == graph.predict(x))
  }

  /// The README's convolutional graph, as written there: it builds against its input shape,
  /// trains one step, and keeps its batch-norm statistics as buffers, not parameters.
  @Test func convolutionalGraph() throws {
    let cnn = Graph<Float>("cnn", inputShape: [1, 8, 8]) {
      Conv2D(1, 16, kernelSize: 3, padding: 1)
      BatchNorm(channels: 16)
      Relu()
      MaxPool2D(kernelSize: 2)
      Flatten()
      Affine(256, 10)
    }
    #expect(cnn.predict(.zeros(shape: [2, 1, 8, 8])).shape == [2, 10])
    #expect(cnn.buffers.map(\.path) == ["batchnorm_0/running_mean", "batchnorm_0/running_var"])
    #expect(
      cnn.parameters.map(\.path) == [
        "conv2d_0/weight", "conv2d_0/bias", "batchnorm_0/weight", "batchnorm_0/bias",
        "affine_0/W", "affine_0/b",
      ])
    let trainer = Trainer(cnn, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 1e-3))
    let batch = Batch(
      inputs: Tensor<Float>.random(shape: [4, 1, 8, 8], seed: 1), labels: [0, 1, 2, 3])
    try trainer.trainStep(on: batch)
    #expect(cnn.buffers[0].variable.value != Tensor.zeros(shape: [16]))
  }
}
