import Foundation
import Testing

@testable import SwiftTensor

/// Buffers (a batch norm's running statistics): listed apart from the parameters, saved,
/// loaded all or nothing, reset, resumed, never given to an optimiser.
@Suite struct BatchNormCheckpointTests {
  func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "swifttensor-\(UUID().uuidString)-\(name).safetensors")
  }

  func model<T: TensorScalar>(_: T.Type, seed: UInt64 = 0, affine: Bool = true) -> Graph<T> {
    Graph<T>("bn", seed: seed) {
      Affine(4, 6)
      BatchNorm(channels: 6, affine: affine)
      Relu()
      Affine(6, 3)
    }
  }

  /// One training-mode forward pass, which moves the running statistics.
  func trainStep<T: TensorScalar>(_ model: Graph<T>, seed: UInt64) {
    _ = model.forward(
      Variable(sample([8, 4], seed: seed, T.self), trainable: false),
      context: LayerContext(isTraining: true, seed: 0))
  }

  func bufferValues<T: TensorScalar>(_ model: Graph<T>) -> [Tensor<T>] {
    model.buffers.map(\.variable.value)
  }

  @Test func buffersAreListedApartAndRenamed() {
    let net = model(Float.self, affine: false)
    #expect(net.parameters.map(\.path) == ["affine_0/W", "affine_0/b", "affine_1/W", "affine_1/b"])
    #expect(net.buffers.map(\.path) == ["batchnorm_0/running_mean", "batchnorm_0/running_var"])
    #expect(net.buffers.map(\.variable.name) == net.buffers.map(\.path))
    #expect(
      net.checkpoint().names.suffix(2) == ["batchnorm_0/running_mean", "batchnorm_0/running_var"])
  }

  @Test func checkpointRoundTripRestoresBuffers() throws {
    let net = model(Double.self)
    trainStep(net, seed: 1)
    let saved = bufferValues(net)
    #expect(saved[0] != .zeros(shape: [6]) && saved[1] != .ones(shape: [6]))
    let url = temporaryURL("buffers")
    defer { try? FileManager.default.removeItem(at: url) }
    try net.save(to: url)
    trainStep(net, seed: 2)
    #expect(bufferValues(net) != saved)
    try net.load(from: url)
    #expect(bufferValues(net) == saved)
    // Evaluation reads them: a fresh model loaded from the file predicts the same.
    let restored = model(Double.self, seed: 9)
    try restored.load(from: url)
    let probe = sample([5, 4], seed: 3, Double.self)
    net.initializeParameters(seed: 0)
    try net.load(from: url)
    #expect(restored.predict(probe) == net.predict(probe))
  }

  @Test func loadingAFileWithoutABufferThrowsNamingItAndChangesNothing() throws {
    let net = model(Float.self)
    trainStep(net, seed: 1)
    var file = SafeTensors()
    for (name, value) in zip(net.checkpoint().names, net.parameters + net.buffers)
    where name != "batchnorm_0/running_var" {
      file.set(value.variable.value, named: name)
    }
    let other = model(Float.self, seed: 5)
    let before = other.parameters.map(\.variable.value) + bufferValues(other)
    #expect {
      try other.load(file)
    } throws: { error in
      guard case .missingTensor(let name, _) = error as? CheckpointError else { return false }
      return name == "batchnorm_0/running_var"
    }
    #expect(other.parameters.map(\.variable.value) + bufferValues(other) == before)
  }

  /// A PyTorch state dict's `num_batches_tracked` (`I64`) is skipped by a non-strict load and
  /// refused by a strict one.
  @Test func pytorchBatchCounterIsSkippedWhenNotStrict() throws {
    let net = model(Float.self)
    var file = net.checkpoint()
    file.set([Int64(3)], shape: [], named: "batchnorm_0/num_batches_tracked")
    #expect(throws: CheckpointError.self) { try net.load(file) }
    #expect(try net.load(file, strict: false) == ["batchnorm_0/num_batches_tracked"])
  }

  @Test func initializeParametersResetsBuffers() {
    let net = model(Float.self)
    let weights = net.parameters.map(\.variable.value)
    trainStep(net, seed: 1)
    net.initializeParameters(seed: 0)
    #expect(bufferValues(net) == [.zeros(shape: [6]), .ones(shape: [6])])
    #expect(net.parameters.map(\.variable.value) == weights, "buffers change no parameter draw")
    let layer = BatchNorm<Double>(channels: 2)
    layer.runningMean?.value = Tensor([1, 2])
    layer.initializeParameters(seed: 3)
    #expect(layer.runningMean?.value == .zeros(shape: [2]))
  }

  @Test func copyParametersCopiesBuffers() {
    let source = model(Float.self)
    trainStep(source, seed: 1)
    let target = model(Double.self, seed: 7)
    target.copyParameters(from: source)
    #expect(
      bufferValues(target).map { $0.scalars.map(Float.init) } == bufferValues(source).map(\.scalars)
    )
  }

  /// An optimiser that records the paths it is given.
  final class RecordingOptimizer: Optimizer {
    var learningRate: Float = 0.01
    var seen: Set<String> = []
    func step(_ parameters: [NamedParameter<Float>]) { seen.formUnion(parameters.map(\.path)) }
    func stateTensors() -> [(name: String, tensor: Tensor<Float>)] { [] }
    func loadState(
      _ tensors: [String: Tensor<Float>], for parameters: [NamedParameter<Float>]
    ) throws(OptimizerStateError) {}
  }

  func data() -> Dataset<Float> {
    Dataset(inputs: sample([32, 4], seed: 11, Float.self), labels: (0..<32).map { $0 % 3 })
  }

  @Test func theOptimizerNeverReceivesBuffers() throws {
    let optimizer = RecordingOptimizer()
    let trainer = Trainer(model(Float.self), loss: .softmaxCrossEntropy, optimizer: optimizer)
    trainer.reportsProgress = false
    _ = try trainer.fit(data(), epochs: 1, batchSize: 8)
    #expect(optimizer.seen == Set(trainer.model.parameters.map(\.path)))
    #expect(bufferValues(trainer.model)[1] != .ones(shape: [6]), "fit trains in training mode")
  }

  @Test func resumeRestoresBuffersAndMatchesAnUninterruptedRun() throws {
    func makeTrainer() -> Trainer<Graph<Float>, SGD<Float>, SoftmaxCrossEntropyLoss<Float>> {
      let trainer = Trainer(
        model(Float.self, seed: 4), loss: .softmaxCrossEntropy,
        optimizer: SGD(learningRate: 0.05), seed: 8)
      trainer.reportsProgress = false
      return trainer
    }
    let straight = makeTrainer()
    _ = try straight.fit(data(), epochs: 2, batchSize: 8)
    let url = temporaryURL("resume")
    defer { try? FileManager.default.removeItem(at: url) }
    let first = makeTrainer()
    _ = try first.fit(
      data(), epochs: 1, batchSize: 8, callbacks: [CheckpointEvery(1, to: url, trainer: first)])
    let second = makeTrainer()
    try second.resume(from: url)
    #expect(bufferValues(second.model) == bufferValues(first.model))
    _ = try second.fit(data(), epochs: 1, batchSize: 8)
    #expect(bufferValues(second.model) == bufferValues(straight.model))
    #expect(
      second.model.parameters.map(\.variable.value)
        == straight.model.parameters.map(\.variable.value))
  }

  /// A step skipped for a NaN loss updates nothing, running statistics included.
  @Test func aSkippedStepLeavesTheBuffersAlone() throws {
    let trainer = Trainer(
      model(Float.self), loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.05))
    trainer.reportsProgress = false
    trainer.nonFinitePolicy = .skipBatch
    let batches = (0..<3).map { index in
      var inputs = sample([6, 4], seed: UInt64(index), Float.self)
      if index == 2 { inputs.withUnsafeMutableBufferPointer { $0[5] = .nan } }
      return Batch(inputs: inputs, labels: [0, 1, 2, 1, 0, 2])
    }
    _ = try trainer.fit(epochs: 1, trainingBatches: { _ in Array(batches.prefix(2)) })
    let before = bufferValues(trainer.model)
    let history = try trainer.fit(epochs: 1, trainingBatches: { _ in [batches[2], batches[0]] })
    #expect(history.epochs.map(\.skippedBatches) == [1])
    #expect(bufferValues(trainer.model).allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    #expect(bufferValues(trainer.model) != before, "the finite batch still updates them")
  }

  @Test func checkpointEveryRefusesANonFiniteBuffer() throws {
    let trainer = Trainer(
      model(Float.self), loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.05))
    let url = temporaryURL("nan-buffer")
    defer { try? FileManager.default.removeItem(at: url) }
    trainer.model.buffers[1].variable.value = Tensor([1, 1, .nan, 1, 1, 1])
    var callback = CheckpointEvery(1, to: url, trainer: trainer)
    #expect {
      _ = try callback.epochEnded(EpochRecord(epoch: 1, trainingLoss: 1, seconds: 0))
    } throws: { error in
      (error as? NonFiniteParameterError)?.parameter == "batchnorm_0/running_var"
    }
    #expect(!FileManager.default.fileExists(atPath: url.path))
  }
}
