import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// PyTorch's batch norm options: `momentum: nil` (running statistics the plain average of every
/// training batch's, counted by `num_batches_tracked`) and `trackRunningStatistics: false` (no
/// buffers; the batch's statistics normalise in evaluation too), against loops in Double and
/// against PyTorch (`Fixtures/pytorch_bn_options.py` wrote `pytorch_bn_options.safetensors`).
@Suite struct BatchNormOptionsTests {
  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/pytorch_bn_options.safetensors")

  let training = LayerContext(isTraining: true, seed: 0)
  let evaluation = LayerContext(isTraining: false, seed: 0)

  /// Batch `k` of shape `[4, 3, 2]`, each with its own scale and offset, so that the batches'
  /// statistics differ.
  func batch<T: TensorScalar>(_ k: Int, _: T.Type) -> Tensor<T> {
    let x = sample([4, 3, 2], seed: UInt64(k + 1), T.self)
    return Tensor(shape: x.shape, scalars: x.scalars.map { $0 * T(Double(k + 1)) + T(Double(k)) })
  }

  /// Per channel of `x` (`[batch, channels, inner]`), the mean and unbiased variance, in Double
  /// with plain loops.
  func statistics<T: TensorScalar>(_ x: Tensor<T>) -> (mean: [Double], variance: [Double]) {
    let (batch, channels, inner) = (x.shape[0], x.shape[1], x.shape[2])
    let scalars = x.scalars.map { Double($0) }
    var mean = [Double](repeating: 0, count: channels)
    var variance = [Double](repeating: 0, count: channels)
    let n = Double(batch * inner)
    for c in 0..<channels {
      var sum = 0.0
      for b in 0..<batch { for i in 0..<inner { sum += scalars[(b * channels + c) * inner + i] } }
      mean[c] = sum / n
      var squares = 0.0
      for b in 0..<batch {
        for i in 0..<inner {
          let d = scalars[(b * channels + c) * inner + i] - mean[c]
          squares += d * d
        }
      }
      variance[c] = squares / (n - 1)
    }
    return (mean, variance)
  }

  func expectClose<T: TensorScalar>(
    _ actual: Tensor<T>, _ expected: [Double], tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.scalarCount == expected.count, "\(what)", sourceLocation: sourceLocation)
    for (a, e) in zip(actual.scalars, expected) {
      #expect(
        Swift.abs(Double(a) - e) <= tolerance * Swift.max(1, Swift.abs(e)),
        "\(what): \(a) against \(e)", sourceLocation: sourceLocation)
    }
  }

  func plainAverage<T: TensorScalar>(_ type: T.Type, tolerance: Double) throws {
    let layer = BatchNorm<T>(channels: 3, momentum: nil)
    let model = Graph<T>("average") { layer }
    #expect(
      model.buffers.map(\.path) == [
        "batchnorm_0/running_mean", "batchnorm_0/running_var", "batchnorm_0/num_batches_tracked",
      ])
    let count = 5
    var means = [Double](repeating: 0, count: 3)
    var variances = [Double](repeating: 0, count: 3)
    for k in 0..<count {
      let x = batch(k, type)
      _ = layer(Variable(x, trainable: false), context: training)
      let (mean, variance) = statistics(x)
      for c in 0..<3 {
        means[c] += mean[c] / Double(count)
        variances[c] += variance[c] / Double(count)
      }
      // Evaluation neither moves the statistics nor counts.
      _ = layer(Variable(x, trainable: false), context: evaluation)
    }
    let (runningMean, runningVariance) = try #require(
      layer.runningMean.flatMap { mean in layer.runningVariance.map { (mean, $0) } })
    expectClose(runningMean.value, means, tolerance: tolerance, "running mean")
    expectClose(runningVariance.value, variances, tolerance: tolerance, "running variance")
    #expect(try #require(layer.batchesTracked).value.scalars == [T(Double(count))])
  }

  @Test func momentumNilAveragesEveryBatchDouble() throws {
    try plainAverage(Double.self, tolerance: 1e-12)
  }
  @Test func momentumNilAveragesEveryBatchFloat() throws {
    try plainAverage(Float.self, tolerance: 1e-5)
  }

  /// A numeric momentum keeps the exponential average and no counter (it reads none).
  @Test func numericMomentumIsExponentialWithoutACounter() throws {
    let layer = BatchNorm<Double>(channels: 3, momentum: 0.25)
    #expect(layer.batchesTracked == nil)
    #expect(Graph<Double>("bn") { layer }.buffers.count == 2)
    var expected = [Double](repeating: 0, count: 3)
    for k in 0..<3 {
      let x = batch(k, Double.self)
      _ = layer(Variable(x, trainable: false), context: training)
      for (c, mean) in statistics(x).mean.enumerated() {
        expected[c] += 0.25 * (mean - expected[c])
      }
    }
    expectClose(try #require(layer.runningMean).value, expected, tolerance: 1e-12, "mean")
  }

  @Test func withoutRunningStatisticsTheBatchNormalisesInEvaluationToo() throws {
    let layer = BatchNorm<Double>(channels: 3, trackRunningStatistics: false)
    #expect(layer.runningMean == nil && layer.runningVariance == nil)
    #expect(layer.batchesTracked == nil && !layer.trackRunningStatistics)
    let model = Graph<Double>("batch", seed: 3) { layer }
    #expect(model.buffers.isEmpty)
    #expect(model.parameters.map(\.path) == ["batchnorm_0/weight", "batchnorm_0/bias"])
    #expect(
      Graph<Float>("bare") { BatchNorm(channels: 2, affine: false, trackRunningStatistics: false) }
        .parameters.isEmpty)
    layer.weight?.value = Tensor([0.5, 1, 2])
    layer.bias?.value = Tensor([1, 0, -1])
    let x = batch(2, Double.self)
    let trained = layer(Variable(x, trainable: false), context: training).value
    #expect(layer(Variable(x, trainable: false), context: evaluation).value == trained)
    #expect(model.predict(x) == trained)
    // A checkpoint holds the parameters only, and restores them.
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swifttensor-\(UUID().uuidString)-batch-statistics.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)
    #expect(try SafeTensors(contentsOf: url).names == ["batchnorm_0/weight", "batchnorm_0/bias"])
    let restored = Graph<Double>("batch", seed: 9) {
      BatchNorm(channels: 3, trackRunningStatistics: false)
    }
    try restored.load(from: url)
    #expect(restored.predict(x) == trained)
  }

  /// The batch-statistics path differentiated in evaluation: the layer's input gradient, and
  /// the spelling it calls with weight and bias, against central differences.
  func gradient<T: TensorScalar>(_ type: T.Type) throws {
    let generated = zip(
      zip(Gen.int(in: 2...3), Gen.int(in: 1...3)), Gen.shape(rank: 0...2, dimension: 1...3)
    ).flatMap { sizes, spatial in
      let (batch, channels) = sizes
      return zip(
        NormalizationGradientTests.spread(type, shape: [batch, channels] + spatial),
        Gen.tensor(type, shape: [channels], in: 0.5...2), Gen.tensor(type, shape: [channels])
      ).map { [$0, $1, $2] }
    }
    try forAll(generated) { tensors in
      let layer = BatchNorm<T>(channels: tensors[0].shape[1], trackRunningStatistics: false)
      layer.weight?.value = tensors[1]
      layer.bias?.value = tensors[2]
      try expectGradient(at: [tensors[0]]) { v in
        let y = layer(v[0], context: LayerContext(isTraining: false, seed: 0))
        return y * y + y
      }
      try expectGradient(at: tensors) { v in
        let y = v[0].batchNormalized(weight: v[1], bias: v[2], epsilon: 1e-3)
        return y * y + y
      }
    }
  }

  @Test func evaluationGradientWithoutRunningStatisticsFloat() throws { try gradient(Float.self) }
  @Test func evaluationGradientWithoutRunningStatisticsDouble() throws {
    try gradient(Double.self)
  }

  func expectPyTorch(
    _ actual: Tensor<Float>, _ expected: Tensor<Float>, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.shape == expected.shape, "\(what)", sourceLocation: sourceLocation)
    expectClose(
      actual, expected.scalars.map(Double.init), tolerance: 1e-5, what,
      sourceLocation: sourceLocation)
  }

  /// PyTorch's `BatchNorm2d(3, momentum=None)` after three batches: its state dict (with the
  /// `I64` counter) loads and computes PyTorch's eval output; a fresh layer trained on the same
  /// batches reaches PyTorch's statistics; export writes the counter back as `I64`.
  @Test func momentumNilMatchesPyTorch() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let input: Tensor<Float> = try file.tensor(named: "input")
    let model = Graph<Float>("average") { BatchNorm(channels: 3, momentum: nil) }
    let mapping: [PyTorchModule] = [.normalization("average", "batchnorm_0")]
    let skipped = try PyTorchWeights.load(file, into: model, mapping: mapping)
    #expect(!skipped.contains { $0.hasPrefix("average.") })
    #expect(model.buffers[2].variable.value.scalars == [3])
    expectPyTorch(model.predict(input), try file.tensor(named: "average_expected"), "eval output")
    let exported = try PyTorchWeights.export(from: model, mapping: mapping)
    #expect(exported["average.num_batches_tracked"]?.dtype == .i64)
    #expect(try exported.integers(named: "average.num_batches_tracked") == [3])
    // Model.load reads the I64 counter too, renamed to its path.
    let renamed = file.renamed { $0.hasPrefix("average.") ? "batchnorm_0/" + $0.dropFirst(8) : nil }
    let fresh = Graph<Float>("average") { BatchNorm(channels: 3, momentum: nil) }
    try fresh.load(renamed, strict: false)
    #expect(fresh.buffers.map(\.variable.value) == model.buffers.map(\.variable.value))
    // Trained here on PyTorch's batches.
    let trained = Graph<Float>("average") { BatchNorm(channels: 3, momentum: nil) }
    for k in 0..<3 {
      _ = trained.forward(
        Variable(try file.tensor(named: "batch\(k)"), trainable: false), context: training)
    }
    for name in ["running_mean", "running_var"] {
      let index = try #require(trained.buffers.firstIndex { $0.path == "batchnorm_0/" + name })
      let stored: Tensor<Float> = try renamed.tensor(named: "batchnorm_0/" + name)
      expectPyTorch(trained.buffers[index].variable.value, stored, name)
    }
    #expect(trained.buffers.last?.variable.value.scalars == [3])
  }

  /// A counter that is no count is refused, naming it.
  @Test func aNegativeCounterIsRefused() throws {
    let model = Graph<Float>("average") { BatchNorm(channels: 3, momentum: nil) }
    var file = model.checkpoint()
    file.set([Int64(-1)], shape: [], named: "batchnorm_0/num_batches_tracked")
    #expect {
      try model.load(file)
    } throws: { error in
      guard case .invalidNumber(_, let tensor, _, _) = error as? CheckpointError else {
        return false
      }
      return tensor == "batchnorm_0/num_batches_tracked"
    }
  }

  /// PyTorch's `BatchNorm2d(3, track_running_stats=False)`: only `weight` and `bias` load and
  /// export, and the eval output is PyTorch's.
  @Test func noRunningStatisticsMatchesPyTorch() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let model = Graph<Float>("batch") { BatchNorm(channels: 3, trackRunningStatistics: false) }
    let mapping: [PyTorchModule] = [.normalization("batch", "batchnorm_0")]
    let skipped = try PyTorchWeights.load(file, into: model, mapping: mapping)
    #expect(!skipped.contains { $0.hasPrefix("batch.") })
    expectPyTorch(
      model.predict(try file.tensor(named: "input")), try file.tensor(named: "batch_expected"),
      "eval output")
    #expect(
      try PyTorchWeights.export(from: model, mapping: mapping).names == [
        "batch.weight", "batch.bias",
      ])
  }

  /// Bad input stops with a message naming the problem: a momentum outside `0...1`, and one
  /// value per channel in evaluation when the batch's statistics normalise.
  @Test func badInputIsRefusedWithAClearMessage() async {
    let momentum = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = BatchNorm<Double>(channels: 2, momentum: -0.5, trackRunningStatistics: false)
    }
    expectStderr(momentum, "BatchNorm: momentum -0.5; expected a value in 0...1 or nil")
    let single = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("batch") { BatchNorm(channels: 2, trackRunningStatistics: false) }
      _ = model.predict(Tensor<Float>.zeros(shape: [1, 2]))
    }
    expectStderr(
      single,
      "batchnorm_0: BatchNorm: expected more than 1 value per channel when normalising by "
        + "batch statistics (no running ones), got input of shape [1, 2]")
  }
}
