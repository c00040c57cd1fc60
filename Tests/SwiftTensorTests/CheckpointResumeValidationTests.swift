import Foundation
import Testing

@testable import SwiftTensor

/// A small trainer with a checkpoint on disk, for tests that corrupt the checkpoint.
struct ResumeFixture<O: Optimizer<Float>> {
  let directory: URL
  let url: URL
  let trainer: Trainer<Graph<Float>, O, SoftmaxCrossEntropyLoss<Float>>

  init(_ optimizer: O) throws {
    directory = try temporaryDirectory()
    url = directory.appendingPathComponent("resume.safetensors")
    trainer = Self.makeTrainer(optimizer)
    let inputs = Tensor<Float>.random(shape: [12, 4], seed: 3)
    let data = Dataset(inputs: inputs, labels: (0..<12).map { $0 % 3 })
    _ = try trainer.fit(data, epochs: 2, batchSize: 4)
    try trainer.saveCheckpoint(to: url)
  }

  static func makeTrainer(
    _ optimizer: O
  ) -> Trainer<
    Graph<Float>, O, SoftmaxCrossEntropyLoss<Float>
  > {
    let model = Graph<Float>("small", seed: 5) {
      Affine(4, 5)
      Tanh()
      Affine(5, 3)
    }
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: optimizer)
    trainer.reportsProgress = false
    return trainer
  }

  /// Deletes the fixture's directory and every file a test wrote into it.
  func removeDirectory() {
    try? FileManager.default.removeItem(at: directory)
  }

  /// Rewrites the checkpoint with `edit` applied, returning its path.
  func edited(_ edit: (inout SafeTensors) -> Void) throws -> URL {
    var file = try SafeTensors(contentsOf: url)
    edit(&file)
    let edited = directory.appendingPathComponent("edited.safetensors")
    try file.write(to: edited)
    return edited
  }

  /// Resumes a fresh trainer from `url`, checking that a failure changes nothing.
  func resumeFresh<P: Optimizer<Float>>(_ url: URL, optimizer: P) throws(CheckpointError) {
    let fresh = ResumeFixture<P>.makeTrainer(optimizer)
    let before = fresh.model.parameters.map(\.variable.value)
    do {
      try fresh.resume(from: url)
    } catch {
      #expect(fresh.model.parameters.map(\.variable.value) == before, "nothing half-loaded")
      #expect(fresh.step == 0 && fresh.epoch == 0)
      throw error
    }
  }
}

@Suite struct CheckpointResumeValidationTests {
  func invalidNumberTensor(_ body: () throws(CheckpointError) -> Void) -> String? {
    do {
      try body()
      Issue.record("expected an invalidNumber error")
    } catch {
      if case .invalidNumber(_, let tensor, _, _) = error { return tensor }
      Issue.record("expected invalidNumber, got \(error)")
    }
    return nil
  }

  @Test func countersAreStoredExactlyAsI64AndRoundTrip() throws {
    let fixture = try ResumeFixture(Adam<Float>(learningRate: 0.01))
    defer { fixture.removeDirectory() }
    let file = try SafeTensors(contentsOf: fixture.url)
    #expect(file["trainer/counters"]?.dtype == .i64)
    #expect(file["optimizer/step"]?.dtype == .i64)
    #expect(file.metadata["optimizer"] == "Adam")
    #expect(try file.integers(named: "trainer/counters") == [6, 2])
    let resumed = ResumeFixture.makeTrainer(Adam<Float>(learningRate: 0.01))
    try resumed.resume(from: fixture.url)
    #expect(resumed.step == 6 && resumed.epoch == 2 && resumed.optimizer.stepCount == 6)

    // A Float Adam's step above 2^24 is not representable in F32; I64 keeps it exact.
    let large = try fixture.edited { $0.set([16_777_217], shape: [], named: "optimizer/step") }
    try resumed.resume(from: large)
    #expect(resumed.optimizer.stepCount == 16_777_217)
  }

  @Test func refusesUnusableTrainerCounters() throws {
    let fixture = try ResumeFixture(SGD<Float>(learningRate: 0.1))
    defer { fixture.removeDirectory() }
    let bad: [Double] = [.nan, .infinity, -.infinity, 9.3e18, 1e300, -1, 2.5]
    for value in bad {
      let url = try fixture.edited {
        $0.set(Tensor<Double>([value, 1]), named: "trainer/counters")
      }
      let tensor = invalidNumberTensor { () throws(CheckpointError) in
        try fixture.resumeFresh(url, optimizer: SGD<Float>(learningRate: 0.1))
      }
      #expect(tensor == "trainer/counters", "\(value)")
    }
    for value: Int64 in [-1, Int64.max] {
      let url = try fixture.edited { $0.set([3, value], shape: [2], named: "trainer/counters") }
      #expect(
        invalidNumberTensor { () throws(CheckpointError) in
          try fixture.resumeFresh(url, optimizer: SGD<Float>(learningRate: 0.1))
        } == "trainer/counters")
    }
    // Checkpoints written before counters were I64 still load when their values are integers.
    let old = try fixture.edited { $0.set(Tensor<Double>([6, 2]), named: "trainer/counters") }
    let resumed = ResumeFixture.makeTrainer(SGD<Float>(learningRate: 0.1))
    try resumed.resume(from: old)
    #expect(resumed.step == 6 && resumed.epoch == 2)
  }

  @Test func refusesUnusableAdamState() throws {
    let fixture = try ResumeFixture(Adam<Float>(learningRate: 0.01))
    defer { fixture.removeDirectory() }
    for value: Float in [.nan, .infinity, 1e20, -1, 0.5] {
      let url = try fixture.edited { $0.set(Tensor<Float>(value), named: "optimizer/step") }
      #expect(
        invalidNumberTensor { () throws(CheckpointError) in
          try fixture.resumeFresh(url, optimizer: Adam<Float>(learningRate: 0.01))
        } == "optimizer/step", "\(value)")
    }
    let old = try fixture.edited { $0.set(Tensor<Float>(6), named: "optimizer/step") }
    try fixture.resumeFresh(old, optimizer: Adam<Float>(learningRate: 0.01))

    let name = "optimizer/affine_0/W/v"
    for value: Float in [-1, .nan] {
      let url = try fixture.edited { file in
        file.set(Tensor<Float>(repeating: value, shape: [4, 5]), named: name)
      }
      #expect(throws: CheckpointError.self) {
        try fixture.resumeFresh(url, optimizer: Adam<Float>(learningRate: 0.01))
      }
    }
    // The old optimiser API checks the step too, instead of trapping in `Int(_:)`.
    let p = [
      NamedParameter(path: "p", variable: Variable(Tensor<Float>([1])), initializer: .constant(0))
    ]
    let state: [String: Tensor<Float>] = ["p/m": [0], "p/v": [0], "step": Tensor(.nan)]
    #expect(throws: OptimizerStateError.self) { try Adam<Float>().loadState(state, for: p) }
  }

  @Test func refusesAnotherOptimizer() throws {
    let adam = try ResumeFixture(Adam<Float>(learningRate: 0.01))
    defer { adam.removeDirectory() }
    #expect(
      throws: CheckpointError.optimizerMismatch(
        source: adam.url.path, stored: "Adam", expected: "SGD")
    ) {
      try adam.resumeFresh(adam.url, optimizer: SGD<Float>(learningRate: 0.1))
    }
    // Without the metadata (an older checkpoint), unused state still gives it away.
    let anonymous = try adam.edited { $0.metadata = [:] }
    #expect(throws: CheckpointError.self) {
      try adam.resumeFresh(anonymous, optimizer: SGD<Float>(learningRate: 0.1))
    }
    let momentum = try ResumeFixture(SGD<Float>(learningRate: 0.1, momentum: 0.9))
    defer { momentum.removeDirectory() }
    do {
      try momentum.resumeFresh(momentum.url, optimizer: SGD<Float>(learningRate: 0.1))
      Issue.record("momentum state resumed without momentum")
    } catch {
      guard case .unexpectedTensors(let names) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(names.contains("optimizer/affine_0/W/momentum"))
    }
    try momentum.resumeFresh(momentum.url, optimizer: SGD<Float>(learningRate: 0.1, momentum: 0.9))
  }
}
