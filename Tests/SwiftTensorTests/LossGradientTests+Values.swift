import Foundation
import Testing

@testable import SwiftTensor

/// The losses' forward values against a reference computed independently in Double, element by
/// element from the textbook formula (Foundation's `exp`, `log`, `log1p`); their messages on bad
/// input; and each `TrainingLoss` conformer training a small model.
@Suite struct LossGradientValueTests {
  /// Reduces Double element terms as `reduction` does.
  func reduced(_ terms: [Double], _ reduction: LossReduction, shape: [Int]) -> Tensor<Double> {
    switch reduction {
    case .none: Tensor(shape: shape, scalars: terms)
    case .sum: Tensor(terms.reduce(0, +))
    case .mean: Tensor(terms.reduce(0, +) / Double(Swift.max(terms.count, 1)))
    }
  }

  func converted<T: TensorScalar>(_ x: Tensor<T>) -> Tensor<Double> {
    Tensor(shape: x.shape, scalars: x.scalars.map(Double.init))
  }

  func forwardValues<T: TensorScalar>(_: T.Type, tolerance: Double) {
    let (p, t) = (sample([3, 5], seed: 1, T.self), sample([3, 5], seed: 2, T.self))
    let (pd, td) = (converted(p).scalars, converted(t).scalars)
    let probabilities = (Tensor<T>.random(shape: [3, 5], lower: 0, upper: 1, seed: 3))
    let qd = converted(probabilities).scalars
    for reduction in [LossReduction.mean, .sum, .none] {
      func check(_ actual: Tensor<T>, _ terms: [Double], _ what: String) {
        expectClose(
          converted(actual), reduced(terms, reduction, shape: [3, 5]),
          tolerance: tolerance, "\(what) \(reduction)")
      }
      let differences = zip(pd, td).map { $0 - $1 }
      check(p.l1Loss(target: t, reduction: reduction), differences.map(\.magnitude), "L1")
      let huber = differences.map { d in d.magnitude < 0.7 ? d * d / 2 : 0.7 * (d.magnitude - 0.35)
      }
      check(p.huberLoss(target: t, delta: T(0.7), reduction: reduction), huber, "Huber")
      check(
        p.smoothL1Loss(target: t, beta: T(0.7), reduction: reduction), huber.map { $0 / 0.7 },
        "smooth L1")
      // -[w₊·t·log σ(z) + (1 - t)·log(1 - σ(z))], directly: fine for |z| ≤ 2.
      let bce = zip(pd, qd).map { z, y in
        let s = 1 / (1 + exp(-z))
        return -(2.5 * y * log(s) + (1 - y) * log(1 - s))
      }
      check(
        p.binaryCrossEntropyWithLogits(
          targets: probabilities, positiveWeight: 2.5, reduction: reduction), bce, "BCE")
      let kl = zip(pd, qd).map { x, y in y * (log(y) - x) }
      let klReduction: KLDivergenceReduction =
        switch reduction {
        case .mean: .mean
        case .sum: .sum
        case .none: .none
        }
      check(p.klDivergence(targets: probabilities, reduction: klReduction), kl, "KL")
    }
    // batchmean: the sum over the batch's 3 samples.
    let klSum = zip(pd, qd).map { x, y in y * (log(y) - x) }.reduce(0, +)
    expectClose(
      converted(p.klDivergence(targets: probabilities)), Tensor(klSum / 3), tolerance: tolerance,
      "KL batchmean")
    // NLL: -x[label] per sample.
    let labels = [4, 0, 2]
    let nll = labels.enumerated().map { -pd[$0 * 5 + $1] }
    for reduction in [LossReduction.mean, .sum, .none] {
      expectClose(
        converted(p.negativeLogLikelihood(labels: labels, reduction: reduction)),
        reduced(nll, reduction, shape: [3]), tolerance: tolerance, "NLL \(reduction)")
    }
  }

  @Test func forwardValuesMatchADoubleReferenceFloat() {
    forwardValues(Float.self, tolerance: 1e-5)
  }
  @Test func forwardValuesMatchADoubleReferenceDouble() {
    forwardValues(Double.self, tolerance: 1e-12)
  }

  /// Large logits: no overflow, and the tiny losses keep their digits (log1p, not log(1 + e)).
  @Test func binaryCrossEntropyIsStableForLargeLogits() {
    let logits = Tensor<Float>([80, -80, 80, -80, 30, -30])
    let targets = Tensor<Float>([0, 1, 1, 0, 1, 0])
    let losses = logits.binaryCrossEntropyWithLogits(targets: targets, reduction: .none)
    let expected: [Double] = [80, 80, exp(-80), exp(-80), exp(-30), exp(-30)]
    for (index, (actual, reference)) in zip(losses.scalars, expected).enumerated() {
      #expect(
        Swift.abs(Double(actual) - reference) <= 1e-6 * reference, "element \(index): \(actual)")
    }
    // 0·log 0 is 0 in KL, as PyTorch's xlogy.
    #expect(Tensor<Double>([-1, -2]).klDivergence(targets: [0, 1], reduction: .sum).scalar == 2)
  }

  @Test func badInputStopsWithAMessageNamingTheLoss() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([0, 1]).binaryCrossEntropyWithLogits(targets: [0.5, 1.5])
      }, "BinaryCrossEntropyWithLogits: target 1.5 at index 1 is outside [0, 1]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([0, 1]).binaryCrossEntropyWithLogits(targets: [0, 1, 1])
      }, "BinaryCrossEntropyWithLogits: logits of shape [2] and targets of shape [3] differ")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Double>.zeros(shape: [2, 3]).negativeLogLikelihood(labels: [1, 3])
      }, "NegativeLogLikelihood: label 3 of sample 1 is out of range for 3 classes")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Double>.zeros(shape: [2, 3]).negativeLogLikelihood(labels: [1])
      }, "NegativeLogLikelihood: log-probabilities of shape [2, 3] for 1 labels")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([1, 2]).huberLoss(target: [1, 2, 3])
      }, "HuberLoss: prediction of shape [2] and target of shape [3] differ")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([1, 2]).l1Loss(target: [1])
      }, "L1Loss: prediction of shape [2] and target of shape [1] differ")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([1, 2]).klDivergence(targets: [1])
      }, "KLDivergence: log-probabilities of shape [2] and targets of shape [1] differ")
  }

  /// Trains `model` on `batch` and expects the loss to fall below `fraction` of its start.
  func expectTrains<L: TrainingLoss>(
    _ model: Graph<Double>, _ loss: L, _ batch: Batch<Double>, fraction: Double,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws where L.Scalar == Double {
    #expect(loss.missingRequirement(in: batch) == nil, sourceLocation: sourceLocation)
    #expect(loss.missingRequirement(in: Batch(inputs: batch.inputs)) != nil)
    let trainer = Trainer(model, loss: loss, optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    let history = try trainer.fit(epochs: 100, trainingBatches: { _ in [batch] })
    let first = try #require(history.epochs.first?.trainingLoss)
    let last = try #require(history.epochs.last?.trainingLoss)
    #expect(
      last < first * fraction, "\(loss.name): \(first) -> \(last)", sourceLocation: sourceLocation)
  }

  var inputs: Tensor<Double> { .random(shape: [32, 2], lower: -1, upper: 1, seed: 7) }

  @Test func trainerMinimisesEachTrainingLoss() throws {
    let x = inputs
    let y = x.matmul(Tensor(shape: [2, 1], scalars: [2, -1]))
    let regression = Batch(inputs: x, targets: y)
    try expectTrains(
      Graph("l1", seed: 1) { Affine(2, 1) }, MeanAbsoluteErrorLoss(), regression, fraction: 0.2)
    try expectTrains(
      Graph("huber", seed: 1) { Affine(2, 1) }, .huber(delta: 0.5), regression, fraction: 0.2)
    let positive = (y .> 0.0).scalars
    let binary = Batch(inputs: x, targets: Tensor(shape: [32, 1], scalars: positive))
    try expectTrains(
      Graph("logistic", seed: 1) { Affine(2, 1) }, .binaryCrossEntropy(), binary, fraction: 0.7)
    let labels = positive.map { $0 == 1 ? 1 : 0 }
    let classes = Batch(inputs: x, labels: labels)
    try expectTrains(
      Graph("classifier", seed: 1) {
        Affine(2, 2)
        LogSoftmax(axis: 1)
      }, .negativeLogLikelihood(), classes, fraction: 0.7)
  }
}
