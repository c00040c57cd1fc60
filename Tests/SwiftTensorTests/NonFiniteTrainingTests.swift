import Foundation
import Testing

@testable import SwiftTensor

/// A step whose loss or gradient norm is not finite never updates the parameters; `fit` stops
/// naming the step, the batch and the operation, or skips under a policy; `CheckpointEvery`
/// never replaces a good checkpoint with a broken model.
@Suite struct NonFiniteTrainingTests {
  func classifier() -> Graph<Float> {
    Graph<Float>("mlp", seed: 3) {
      Affine(4, 8, activation: .tanh)
      Affine(8, 3)
    }
  }

  func batches(nanAt poisoned: Int?, count: Int = 4) -> [Batch<Float>] {
    (0..<count).map { index in
      var inputs = Tensor<Float>.random(shape: [5, 4], lower: -1, upper: 1, seed: UInt64(index))
      if index == poisoned { inputs.withUnsafeMutableBufferPointer { $0[7] = .nan } }
      return Batch(inputs: inputs, labels: [0, 1, 2, 1, 0])
    }
  }

  func values(_ model: Graph<Float>) -> [Tensor<Float>] { model.parameters.map(\.variable.value) }

  @Test func aNaNBatchStopsFitNamingTheStepBatchAndOperation() throws {
    let model = classifier()
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    _ = try trainer.fit(epochs: 1, trainingBatches: { _ in batches(nanAt: nil) })
    let before = values(model)
    // Epoch 2's third batch (position 2) holds a NaN: its step is 4 + 2 = 6.
    var caught: NonFiniteStepError?
    do {
      _ = try trainer.fit(epochs: 1, trainingBatches: { _ in batches(nanAt: 2) })
    } catch let error as NonFiniteStepError {
      caught = error
    }
    let error = try #require(caught)
    #expect(error.step == 6 && error.epoch == 2 && error.batch == 2 && error.quantity == .loss)
    #expect(error.value.isNaN)
    #expect(error.anomaly?.operation == "AffineTransform" && error.anomaly?.position == 0)
    #expect(error.anomaly?.phase == .forward && error.anomaly?.index == 8)
    #expect(
      "\(error)"
        == "Trainer: the loss is NaN at step 6 (epoch 2, batch 2); first non-finite value: "
        + "AffineTransform (operation 0 on the tape) produced NaN in its output of shape [5, 8] "
        + "at flat index 8")
    // Steps 4 and 5 were applied, the failing one not: the parameters are finite.
    #expect(values(model) != before && values(model).allSatisfy { $0.isFinite })
    #expect(trainer.step == 6)
  }

  @Test func anInfiniteGradientWithAFiniteLossStopsToo() throws {
    // sqrt(x·W + b) at 0: the loss is 0, its gradient infinite.
    let model = Graph<Double>("linear", seed: 1) { Affine(2, 1) }
    let trainer = Trainer(
      model, loss: { output, _ in output.sqrt().sum() }, optimizer: SGD(learningRate: 0.1))
    let before = values(model)
    let error = #expect(throws: NonFiniteStepError.self) {
      try trainer.trainStep(on: Batch(inputs: .zeros(shape: [1, 2])))
    }
    #expect(error?.quantity == .gradientNorm && error?.epoch == nil && error?.step == 0)
    #expect(error?.anomaly?.operation == "SquareRoot" && error?.anomaly?.phase == .backward)
    #expect(values(model) == before, "nothing updated")

    // A norm that overflows to +infinity (no NaN anywhere) counts too.
    let huge = Trainer(
      model, loss: { output, _ in (output * 1e200).sum() }, optimizer: SGD(learningRate: 0.1))
    let overflow = #expect(throws: NonFiniteStepError.self) {
      try huge.trainStep(on: Batch(inputs: Tensor(repeating: 1, shape: [1, 2])))
    }
    #expect(overflow?.quantity == .gradientNorm && overflow?.value == .infinity)
    #expect(values(model) == before, "nothing updated")
  }

  func values(_ model: Graph<Double>) -> [Tensor<Double>] { model.parameters.map(\.variable.value) }

  @Test func policiesSkipTheBatchOrReduceTheLearningRate() throws {
    let model = classifier()
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    trainer.nonFinitePolicy = .skipBatch
    let history = try trainer.fit(epochs: 2, trainingBatches: { _ in batches(nanAt: 1) })
    #expect(history.epochs.map(\.skippedBatches) == [1, 1])
    #expect(history.epochs.allSatisfy { $0.trainingLoss.isFinite })
    #expect(values(model).allSatisfy { $0.isFinite } && trainer.step == 8)
    #expect(trainer.optimizer.learningRate == 0.1)

    trainer.nonFinitePolicy = .reduceLearningRate(factor: 0.5)
    _ = try trainer.fit(epochs: 1, trainingBatches: { _ in batches(nanAt: 3) })
    #expect(trainer.optimizer.learningRate == 0.05)

    // A policy never trains on nothing silently: an epoch of skipped batches stops.
    trainer.nonFinitePolicy = .skipBatch
    let poisoned = batches(nanAt: 0, count: 1)
    #expect(throws: NonFiniteStepError.self) {
      _ = try trainer.fit(epochs: 1, trainingBatches: { _ in poisoned })
    }
  }

  @Test func theLastGoodCheckpointSurvivesANaNBatch() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("nonfinite-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("run.safetensors")
    let model = classifier()
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    let saving = CheckpointEvery(1, to: url, trainer: trainer)
    #expect(throws: NonFiniteStepError.self) {
      _ = try trainer.fit(
        epochs: 3, trainingBatches: { batches(nanAt: $0 == 1 ? 2 : nil) }, callbacks: [saving])
    }
    // The file holds epoch 1's parameters and loads.
    let restored = classifier()
    try restored.load(from: url)
    #expect(values(restored).allSatisfy { $0.isFinite })
    #expect(trainer.epoch == 1)

    // A broken model is never written: the callback throws and the file is unchanged.
    let bytes = try Data(contentsOf: url)
    model.parameters[1].variable.value = Tensor(repeating: .infinity, shape: [8])
    var callback = CheckpointEvery(1, to: url, trainer: trainer)
    let refused = #expect(throws: NonFiniteParameterError.self) {
      _ = try callback.epochEnded(EpochRecord(epoch: 2, trainingLoss: 1, seconds: 0))
    }
    #expect(refused?.parameter == "affine_0/b" && refused?.value == .infinity)
    #expect(try Data(contentsOf: url) == bytes)
  }

  @Test func numberedCheckpointsKeepTheLastN() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("numbered-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("run.safetensors")
    let trainer = Trainer(
      classifier(), loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    let saving = CheckpointEvery(1, to: url, trainer: trainer, keeping: 2)
    _ = try trainer.fit(
      epochs: 3, trainingBatches: { _ in batches(nanAt: nil) }, callbacks: [saving])
    let kept = CheckpointEvery<Graph<Float>, SGD<Float>, SoftmaxCrossEntropyLoss<Float>>
      .numberedCheckpoints(at: url).map(\.lastPathComponent)
    #expect(kept == ["run-epoch-000002.safetensors", "run-epoch-000003.safetensors"])
    let latest = CheckpointEvery<Graph<Float>, SGD<Float>, SoftmaxCrossEntropyLoss<Float>>
      .latestCheckpoint(at: url)
    #expect(latest?.lastPathComponent == "run-epoch-000003.safetensors")
    let resumed = Trainer(
      classifier(), loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    try resumed.resume(from: try #require(latest))
    #expect(resumed.epoch == 3 && resumed.step == 12)
  }

  @Test func aLearningRateFactorOutsideZeroToOneStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("mlp") { Affine(2, 3) }
      let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
      trainer.nonFinitePolicy = .reduceLearningRate(factor: 2)
    }
    expectStderr(
      result, "Trainer.nonFinitePolicy: reduceLearningRate factor 2.0 is outside (0, 1)")
  }
}
