import Foundation
import Testing

@testable import SwiftTensor

@Suite struct TrainingCheckpointTests {
  func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "swifttensor-\(UUID().uuidString)-\(name).safetensors")
  }

  func mlp<T: TensorScalar>(_: T.Type, seed: UInt64, hidden: Int = 30) -> Graph<T> {
    Graph<T>("mlp", seed: seed) {
      Affine(64, hidden)
      Sigmoid()
      Affine(hidden, 10)
    }
  }

  @Test func saveLoadEvaluateGivesIdenticalResults() throws {
    let (train, test) = try Digits.load(as: Float.self)
    let model = mlp(Float.self, seed: 1)
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    _ = try trainer.fit(train, epochs: 2, batchSize: 32)
    let before = trainer.evaluate(test)
    let url = temporaryURL("model")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)

    let restored = mlp(Float.self, seed: 99)
    try restored.load(from: url)
    let again = Trainer(restored, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    let after = again.evaluate(test)
    #expect(after.loss == before.loss && after.accuracy == before.accuracy)
    #expect(restored.parameters.map(\.variable.value) == model.parameters.map(\.variable.value))
  }

  @Test func resumedTrainingMatchesUninterruptedTraining() throws {
    let (train, _) = try Digits.load(as: Double.self)
    let small = train.subset(Array(0..<200))
    func makeTrainer() -> Trainer<Graph<Double>, Adam<Double>, SoftmaxCrossEntropyLoss<Double>> {
      let trainer = Trainer(
        mlp(Double.self, seed: 4), loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 0.01),
        seed: 8)
      trainer.reportsProgress = false
      return trainer
    }
    let straight = makeTrainer()
    _ = try straight.fit(small, epochs: 4, batchSize: 16)

    let url = temporaryURL("resume")
    defer { try? FileManager.default.removeItem(at: url) }
    let first = makeTrainer()
    _ = try first.fit(
      small, epochs: 2, batchSize: 16, callbacks: [CheckpointEvery(2, to: url, trainer: first)])
    let second = makeTrainer()
    try second.resume(from: url)
    #expect(second.epoch == 2 && second.step == first.step)
    _ = try second.fit(small, epochs: 2, batchSize: 16)
    #expect(
      second.model.parameters.map(\.variable.value)
        == straight.model.parameters.map(\.variable.value))
  }

  @Test func refusesAnotherModelOrPrecisionAndChangesNothing() throws {
    let model = mlp(Float.self, seed: 1)
    let url = temporaryURL("mismatch")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)

    let wider = mlp(Float.self, seed: 2, hidden: 31)
    let untouched = wider.parameters.map(\.variable.value)
    #expect(throws: CheckpointError.self) { try wider.load(from: url) }
    #expect(wider.parameters.map(\.variable.value) == untouched, "nothing half-loaded")
    do {
      try wider.load(from: url)
    } catch {
      #expect("\(error)".contains("affine_0/W"), "\(error)")
    }

    let double = mlp(Double.self, seed: 2)
    #expect(
      throws: CheckpointError.dtypeMismatch(name: "affine_0/W", stored: "F32", expected: "F64")
    ) {
      try double.load(from: url)
    }

    let deeper = Graph<Float>("deeper", seed: 0) {
      Affine(64, 30)
      Sigmoid()
      Affine(30, 10)
      Sigmoid()
      Affine(10, 10)
    }
    #expect(throws: CheckpointError.self) { try deeper.load(from: url) }
    let shallow = Graph<Float>("shallow", seed: 0) { Affine(64, 30) }
    #expect(throws: CheckpointError.unexpectedTensors(names: ["affine_1/W", "affine_1/b"])) {
      try shallow.load(from: url)
    }
  }
}
