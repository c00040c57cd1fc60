import Testing

@testable import SwiftTensor

/// Batch normalisation's forward pass and running statistics against numpy in float64
/// (`Fixtures/numpy_batchnorm.py` wrote `NumpyBatchNormFixtures.swift`), in Float and Double,
/// and the `BatchNorm` layer's modes.
@Suite struct BatchNormTests {
  typealias Fixture = (shape: [Int], scalars: [Double])

  func tensor<T: TensorScalar>(_ fixture: Fixture, _: T.Type) -> Tensor<T> {
    Tensor(shape: fixture.shape, scalars: fixture.scalars.map { T($0) })
  }

  func expectNumpy<T: TensorScalar>(
    _ actual: Tensor<T>, _ expected: Fixture, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    let tolerance = T.self == Double.self ? 1e-12 : 2e-5
    let worst =
      zip(actual.scalars, expected.scalars).map { pair in
        Swift.abs(Double(pair.0) - pair.1) / Swift.max(1, Swift.abs(pair.1))
      }.max() ?? 1
    #expect(
      worst <= tolerance, "\(what) in \(T.self): worst error \(worst)",
      sourceLocation: sourceLocation)
  }

  /// One rank's fixtures: input, weight, bias, outputs with and without the affine map, the
  /// running statistics after one step, and the evaluation output with them.
  func fixtures(rank: Int) -> [Fixture] {
    let r = NumpyBatchNorm.self
    switch rank {
    case 2:
      return [
        r.rank2Input, r.rank2Weight, r.rank2Bias, r.rank2Output, r.rank2PlainOutput,
        r.rank2RunningMean, r.rank2RunningVariance, r.rank2EvaluationOutput,
      ]
    case 3:
      return [
        r.rank3Input, r.rank3Weight, r.rank3Bias, r.rank3Output, r.rank3PlainOutput,
        r.rank3RunningMean, r.rank3RunningVariance, r.rank3EvaluationOutput,
      ]
    default:
      return [
        r.rank4Input, r.rank4Weight, r.rank4Bias, r.rank4Output, r.rank4PlainOutput,
        r.rank4RunningMean, r.rank4RunningVariance, r.rank4EvaluationOutput,
      ]
    }
  }

  func check<T: TensorScalar>(_ type: T.Type, rank: Int) {
    let f = fixtures(rank: rank)
    let (x, weight, bias) = (tensor(f[0], type), tensor(f[1], type), tensor(f[2], type))
    let what = "rank \(rank)"
    expectNumpy(x.batchNormalized(weight: weight, bias: bias), f[3], "\(what) output")
    expectNumpy(x.batchNormalized(), f[4], "\(what) output without affine")

    // The layer: one training step updates the running statistics, evaluation then uses them.
    let layer = BatchNorm<T>(channels: x.shape[1])
    guard let runningMean = layer.runningMean, let runningVariance = layer.runningVariance else {
      Issue.record("a layer tracking running statistics has the buffers")
      return
    }
    layer.weight?.value = weight
    layer.bias?.value = bias
    let training = layer(
      Variable(x, trainable: false), context: LayerContext(isTraining: true, seed: 0))
    expectNumpy(training.value, f[3], "\(what) layer in training")
    expectNumpy(runningMean.value, f[5], "\(what) running mean")
    expectNumpy(runningVariance.value, f[6], "\(what) running variance")
    let evaluation = layer(
      Variable(x, trainable: false), context: LayerContext(isTraining: false, seed: 0))
    expectNumpy(evaluation.value, f[7], "\(what) layer in evaluation")
    expectNumpy(runningMean.value, f[5], "\(what) running mean after evaluation")
    expectNumpy(
      x.batchNormalized(
        weight: weight, bias: bias, runningMean: runningMean.value,
        runningVariance: runningVariance.value),
      f[7], "\(what) tensor evaluation spelling")
  }

  @Test(arguments: [2, 3, 4]) func matchesNumpyFloat(rank: Int) { check(Float.self, rank: rank) }
  @Test(arguments: [2, 3, 4]) func matchesNumpyDouble(rank: Int) { check(Double.self, rank: rank) }

  /// Two steps with momentum 0.5 average as PyTorch does, the variance unbiased; the operation's
  /// saved statistics are the batch's.
  @Test func runningStatisticsFollowMomentum() {
    let first = Tensor<Double>([[1, 10], [3, 14], [5, 12]])
    let second = Tensor<Double>([[0, 2], [4, 2], [2, 2]])
    let mean = Variable(Tensor<Double>([0.5, -1]), trainable: false)
    let variance = Variable(Tensor<Double>([2, 3]), trainable: false)
    for x in [first, second] {
      _ = Variable(x).batchNormalized(
        runningMean: mean, runningVariance: variance, momentum: 0.5, training: true)
    }
    // First batch: means [3, 12], unbiased variances [4, 4]; second: [2, 2], [4, 0].
    let expectedMean: [Double] = [((0.5 + 3) / 2 + 2) / 2, ((-1 + 12) / 2 + 2) / 2]
    let expectedVariance: [Double] = [((2 + 4) / 2 + 4) / 2, ((3 + 4) / 2 + 0) / 2]
    expectClose(mean.value, Tensor(expectedMean))
    expectClose(variance.value, Tensor(expectedVariance))
    let statistics = BatchNormalization<Double>(mode: .training)
      .forwardSaving(NormalizationInputs(input: first)).saved
    expectClose(statistics.mean, Tensor([3, 12]))
    expectClose(statistics.variance, Tensor([4, 4]))
    expectClose(statistics.reciprocalDeviation, Tensor([8.0 / 3, 8.0 / 3]).rsqrtForTest(1e-5))
  }

  /// Evaluation normalises with the running statistics, not the batch's, and changes nothing.
  @Test func evaluationUsesAndKeepsTheRunningStatistics() {
    let x = Tensor<Float>([[1, 2], [3, 6]])
    let mean = Variable(Tensor<Float>([1, 2]), trainable: false)
    let variance = Variable(Tensor<Float>([4, 16]), trainable: false)
    let y = Variable(x).batchNormalized(
      runningMean: mean, runningVariance: variance, epsilon: 0, training: false)
    expectClose(y.value, Tensor([[0, 0], [1, 1]]))
    #expect(mean.value == Tensor([1, 2]) && variance.value == Tensor([4, 16]))
  }

  /// A wide channel of Float values far from 0 keeps its precision: blocks summed in Float,
  /// totals in Double, and the variance from deviations, not `E[x²] - E[x]²`.
  @Test func floatChannelsFarFromZeroKeepTheirPrecision() {
    let count = 3 * 5000
    let scalars = (0..<count).map { Float(1000 + Double($0 % 7) * 0.25) }
    let x = Tensor<Float>(shape: [3, 1, 5000], scalars: scalars)
    let statistics = BatchNormalization<Float>(mode: .training)
      .forwardSaving(NormalizationInputs(input: x)).saved
    let doubles = scalars.map(Double.init)
    let mean = doubles.reduce(0, +) / Double(count)
    let variance = doubles.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count - 1)
    #expect(Swift.abs(Double(statistics.mean.scalars[0]) - mean) < 1e-4)
    #expect(Swift.abs(Double(statistics.variance.scalars[0]) - variance) / variance < 1e-4)
  }
}

extension Tensor {
  /// `1/√(x + ε)` per scalar, for expected values.
  fileprivate func rsqrtForTest(_ epsilon: Double) -> Tensor {
    Tensor(shape: shape, scalars: scalars.map { Scalar(1 / (Double($0) + epsilon).squareRoot()) })
  }
}
