import Foundation
import Testing

@testable import SwiftTensor

/// Bad input to models and training stops with a message naming what is wrong.
@Suite struct TrainingErrorTests {

  @Test func modelAndTrainerMisuse() async {
    let width = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(64, 10) }
      _ = model.predict(.zeros(shape: [2, 63]))
    }
    expectStderr(width, "Affine: input of shape [2, 63] does not fit a layer of 64 inputs")

    let batch = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(2, 2) }
      let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
      let data = Dataset(inputs: Tensor<Float>.zeros(shape: [4, 2]), labels: [0, 1, 0, 1])
      _ = try? trainer.fit(data, epochs: 1, batchSize: 0)
    }
    expectStderr(batch, "Trainer.fit: batch size must be positive, got 0")

    let labels = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(2, 3) }
      let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
      trainer.reportsProgress = false
      let data = Dataset(inputs: Tensor<Float>.zeros(shape: [2, 2]), labels: [0, 7])
      _ = try? trainer.fit(data, epochs: 1, batchSize: 2)
    }
    expectStderr(labels, "label 7 of sample 1 is out of range for 3 classes")

    let kind = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("regression") { Affine(2, 1) }
      let trainer = Trainer(model, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1))
      let data = Dataset(inputs: Tensor<Float>.zeros(shape: [2, 2]), labels: [0, 1])
      _ = try? trainer.fit(data, epochs: 1, batchSize: 2)
    }
    expectStderr(kind, "the training set has class labels, but mean squared error needs targets")

    let ctc = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("frames") { Affine(2, 3) }
      let trainer = Trainer(model, loss: .ctc(), optimizer: SGD(learningRate: 0.1))
      let batch = Batch(inputs: Tensor<Float>.zeros(shape: [2, 2]), labels: [0, 1])
      _ = try? trainer.fit(epochs: 1, trainingBatches: { _ in [batch] })
    }
    expectStderr(
      ctc, "Trainer.fit: a training batch has class labels, but CTC needs label sequences")

    let step = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(2, 3) }
      let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
      let batch = Batch<Float>(inputs: .zeros(shape: [2, 2]), targets: .zeros(shape: [2, 3]))
      _ = try? trainer.trainStep(on: batch)
    }
    expectStderr(
      step,
      "softmax cross-entropy: the batch has targets, but softmax cross-entropy needs class labels")

    let names = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(2, 3) }
      _ = Trainer(
        model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1),
        metrics: [Accuracy(), Accuracy()])
    }
    expectStderr(names, "Trainer: metric names must be distinct, got [\"accuracy\", \"accuracy\"]")

    let duplicate = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let registrar = ParameterRegistrar<Float>()
      registrar.add("W", Variable(Tensor(1)), initializer: .constant(0))
      registrar.add("W", Variable(Tensor(1)), initializer: .constant(0))
    }
    expectStderr(duplicate, "the parameter path 'W' is registered twice")
  }
}
