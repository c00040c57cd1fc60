import Foundation
import Testing

@testable import SwiftTensor

/// Losses and metrics of a user's own, and CTC, trained through `Trainer`.
@Suite struct TrainingLossTests {
  /// A loss defined outside the library: the mean fourth power of the error.
  struct QuarticError<Scalar: TensorScalar>: TrainingLoss {
    var name: String { "quartic error" }
    func missingRequirement(in batch: Batch<Scalar>) -> String? {
      batch.targets == nil ? "targets" : nil
    }
    func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar> {
      guard let targets = batch.targets else { batch.missing("targets", for: name) }
      return (output - Variable(targets, trainable: false)).pow(4).mean()
    }
  }

  /// The same small network on every frame: `[batch, time, features]` to
  /// `[batch, time, classes]`.
  final class FrameClassifier: Model {
    let layer = Affine<Double>(3, 4)
    init() { initializeParameters(seed: 5) }
    func forward(_ x: Variable<Double>, context: LayerContext) -> Variable<Double> {
      let (batch, time) = (x.shape[0], x.shape[1])
      return layer(x.reshaped(to: [batch * time, 3]), context: context)
        .reshaped(to: [batch, time, 4])
    }
    func registerParameters(_ registrar: ParameterRegistrar<Double>) {
      layer.registerParameters(registrar)
    }
  }

  @Test func aUserDefinedLossTrains() throws {
    let model = Graph<Double>("linear", seed: 1) { Affine(2, 1) }
    let trainer = Trainer(model, loss: QuarticError(), optimizer: SGD(learningRate: 0.05))
    trainer.reportsProgress = false
    let x = Tensor<Double>.random(shape: [16, 2], lower: -1, upper: 1, seed: 2)
    let batch = Batch(inputs: x, targets: x.matmul(Tensor(shape: [2, 1], scalars: [2, -1])))
    let history = try trainer.fit(epochs: 200, trainingBatches: { _ in [batch] })
    let first = try #require(history.epochs.first?.trainingLoss)
    let last = try #require(history.epochs.last?.trainingLoss)
    #expect(last < first / 100, "quartic error \(first) -> \(last)")
    #expect(history.epochs.last?.trainingMetrics == [:], "no metrics unless asked")
  }

  /// A closure loss: the mean output of `x·W + b` has gradient mean(x) for `W` and 1 for `b`.
  @Test func aClosureLossReachesTheParameters() throws {
    let model = Graph<Double>("linear", seed: 1) { Affine(2, 1) }
    let trainer = Trainer(
      model, loss: { output, _ in output.mean() }, optimizer: SGD(learningRate: 0.5))
    let before = model.parameters.map(\.variable.value)
    let x = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
    let expected = model.predict(x).scalars.reduce(0, +) / 2
    let loss = try trainer.trainStep(on: Batch(inputs: x)).loss
    #expect(Swift.abs(loss - expected) < 1e-12)
    let (weights, bias) = (model.parameters[0].variable, model.parameters[1].variable)
    #expect(weights.gradient?.scalars == [2, 3])
    #expect(bias.gradient?.scalars == [1])
    let (w, b) = (before[0].scalars, before[1].scalars)
    #expect(weights.value.scalars == [w[0] - 1, w[1] - 1.5])
    #expect(bias.value.scalars == [b[0] - 0.5])
    #expect(trainer.loss.name == "custom loss")
  }

  /// Frames that spell their label sequence, padded with frames past each input length.
  func ctcBatch() -> Batch<Double> {
    let sequences = [[1, 2], [3], [2, 2]]
    let frames = [[1, 1, 0, 2, 0, 0], [0, 3, 3, 0, 2, 1], [2, 0, 2, 0, 0, 3]]
    let lengths = [6, 4, 5]
    var scalars: [Double] = []
    for row in frames {
      for symbol in row { scalars += (1...3).map { $0 == symbol ? 1 : 0 } }
    }
    return Batch(
      inputs: Tensor(shape: [3, 6, 3], scalars: scalars), labelSequences: sequences,
      inputLengths: lengths)
  }

  @Test func ctcTrainsThroughTheTrainer() throws {
    let model = FrameClassifier()
    let batch = ctcBatch()
    let trainer = Trainer(model, loss: .ctc(), optimizer: Adam(learningRate: 0.05))
    trainer.reportsProgress = false
    // The loss the trainer reports is CTC over each sample's valid frames only.
    let logits = Variable(model.predict(batch.inputs))
    let direct = logits.ctcLoss(labels: [[1, 2], [3], [2, 2]], inputLengths: [6, 4, 5])
    let evaluated = trainer.evaluateMetrics([batch]).loss
    #expect(Swift.abs(evaluated - direct.value.scalar) < 1e-12)
    let history = try trainer.fit(epochs: 150, trainingBatches: { _ in [batch] })
    let first = try #require(history.epochs.first?.trainingLoss)
    let last = try #require(history.epochs.last?.trainingLoss)
    #expect(last < first / 10, "CTC loss \(first) -> \(last)")
    let decoded = CTC.greedyDecode(
      logits: model.predict(batch.inputs), inputLengths: batch.inputLengths)
    #expect(decoded == batch.labelSequences)
  }

  @Test func customMetricsAreRecordedByName() throws {
    let model = Graph<Float>("classifier", seed: 2) { Affine(2, 3) }
    let batches = (0..<4).map { index in
      Batch(
        inputs: Tensor<Float>.random(shape: [5, 2], seed: UInt64(index)),
        labels: (0..<5).map { ($0 + index) % 3 })
    }
    // The fraction of samples of class 0, whatever the model says.
    let classZero = CustomMetric<Float>(name: "class 0") { _, batch in
      Double(batch.labels?.filter { $0 == 0 }.count ?? 0)
    }
    let trainer = Trainer(
      model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1),
      metrics: [classZero, Accuracy()])
    trainer.reportsProgress = false
    let history = try trainer.fit(
      epochs: 2, trainingBatches: { _ in batches }, validation: [batches[1]])
    let (training, validation): ([Double?], [Double?]) = ([0.35, 0.35], [0.2, 0.2])
    #expect(history.metric("class 0") == training, "7 of 20 training samples")
    #expect(history.metric("class 0", validation: true) == validation, "1 of 5")
    let record = try #require(history.epochs.last)
    #expect(record.trainingMetrics.keys.sorted() == ["accuracy", "class 0"])
    #expect(record.validationAccuracy == trainer.evaluate([batches[1]]).accuracy)
    // Metrics given replace the loss's default (accuracy).
    let plain = Trainer(
      model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1), metrics: [classZero])
    plain.reportsProgress = false
    let without = try plain.fit(epochs: 1, trainingBatches: { _ in batches })
    #expect(without.epochs[0].trainingAccuracy == nil)
    #expect(without.epochs[0].trainingMetrics == ["class 0": 0.35])
  }
}
