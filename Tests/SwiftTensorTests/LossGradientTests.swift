import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The backward of every loss of `RegressionLosses.swift`, `ProbabilisticLosses.swift` and
/// `KLDivergence.swift` against central differences, in Float and Double, for every reduction,
/// on 100 generated inputs each (`forAll`).
@Suite struct LossGradientTests {
  static var reductions: Gen<LossReduction> { Gen.element(of: [LossReduction.mean, .sum, .none]) }

  /// Shapes of rank 0 to 3 with dimensions 0 to 4.
  static var anyShape: Gen<[Int]> { Gen.shape(rank: 0...3, dimension: 0...4) }

  /// A prediction and a target whose differences keep at least 0.08 from 0 (L1's kink) and
  /// 0.2 from ±1 (where Huber and smooth L1 with δ = β = 1 change branch).
  func awayFromKinks<T: TensorScalar>(_ type: T.Type) -> Gen<(Tensor<T>, Tensor<T>)> {
    Self.anyShape.flatMap { shape in
      zip(
        Gen.tensor(type, shape: shape),
        Gen.tensor(type, shape: shape, in: -2...2, awayFrom: 0, by: 0.1)
      ).map { prediction, offsets in
        let differences = offsets.scalars.map { v in
          let magnitude = v.magnitude < 1 ? v.magnitude * 0.8 : v.magnitude + 0.2
          return v < 0 ? -magnitude : magnitude
        }
        let target = prediction - Tensor(shape: shape, scalars: differences)
        return (prediction, target)
      }
    }
  }

  func regression<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(awayFromKinks(type), Self.reductions) { pair, reduction in
      let inputs = [pair.0, pair.1]
      try expectGradient(of: L1Loss(reduction: reduction), at: inputs)
      try expectGradient(of: HuberLoss(delta: 1, reduction: reduction), at: inputs)
      try expectGradient(of: SmoothL1Loss(beta: 1, reduction: reduction), at: inputs)
      // Other widths: every |d| is below 3 (all quadratic) or above 0.05 (all linear).
      try expectGradient(of: HuberLoss(delta: 3, reduction: reduction), at: inputs)
      try expectGradient(of: SmoothL1Loss(beta: 0.05, reduction: reduction), at: inputs)
      try expectGradient(of: SmoothL1Loss(beta: 0, reduction: reduction), at: inputs)
    }
  }

  @Test func regressionLossesFloat() throws { try regression(Float.self) }
  @Test func regressionLossesDouble() throws { try regression(Double.self) }

  func binaryCrossEntropy<T: TensorScalar>(_ type: T.Type) throws {
    let cases = Self.anyShape.flatMap { shape in
      zip(
        Gen.tensor(type, shape: shape, in: -4...4), Gen.tensor(type, shape: shape, in: 0...1),
        Gen.element(of: [T(1), T(2.5), T(0.5)]))
    }
    try forAll(cases, Self.reductions) { input, reduction in
      let (logits, targets, weight) = input
      try expectGradient(
        of: BinaryCrossEntropyWithLogits(
          targets: targets, positiveWeight: weight, reduction: reduction),
        at: [logits])
    }
  }

  @Test func binaryCrossEntropyWithLogitsFloat() throws { try binaryCrossEntropy(Float.self) }
  @Test func binaryCrossEntropyWithLogitsDouble() throws { try binaryCrossEntropy(Double.self) }

  func negativeLogLikelihood<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(Gen.int(in: 0...4), Gen.int(in: 1...4)).flatMap { batch, classes in
      zip(
        Gen.tensor(type, shape: [batch, classes], in: -4...0),
        Gen.labels(count: batch, classes: classes))
    }
    try forAll(cases, Self.reductions) { input, reduction in
      try expectGradient(
        of: NegativeLogLikelihood(labels: input.1, reduction: reduction), at: [input.0])
      // Through log-softmax, as a classifier uses it.
      try expectGradient(at: [input.0]) {
        $0[0].logSoftmax(axis: 1).negativeLogLikelihood(labels: input.1, reduction: reduction)
      }
    }
  }

  @Test func negativeLogLikelihoodFloat() throws { try negativeLogLikelihood(Float.self) }
  @Test func negativeLogLikelihoodDouble() throws { try negativeLogLikelihood(Double.self) }

  func klDivergence<T: TensorScalar>(_ type: T.Type) throws {
    let reductions = Gen.element(of: [KLDivergenceReduction.batchMean, .mean, .sum, .none])
    let cases = Self.anyShape.flatMap { shape in
      zip(
        Gen.tensor(type, shape: shape, in: -4...0),
        Gen.tensor(type, shape: shape, in: 0...1, specialValues: true))
    }
    try forAll(cases, reductions) { input, reduction in
      try expectGradient(
        of: KLDivergence(targets: input.1, reduction: reduction), at: [input.0])
    }
  }

  @Test func klDivergenceFloat() throws { try klDivergence(Float.self) }
  @Test func klDivergenceDouble() throws { try klDivergence(Double.self) }

  /// The gradients through the `Variable` spellings on a tape equal the operations' own.
  @Test func variableSpellingsRecordTheOperations() {
    let tape = Tape<Double>()
    let logits = tape.variable(Tensor(shape: [2, 2], scalars: [0, 1, -2, 3]))
    let targets = Tensor<Double>(shape: [2, 2], scalars: [1, 0, 0.5, 1])
    logits.binaryCrossEntropyWithLogits(targets: targets, reduction: .sum).backward()
    let expected = Tensor<Double>(shape: [2, 2], scalars: [0, 1, -2, 3]).sigmoid() - targets
    expectClose(logits.gradient ?? [], expected, tolerance: 1e-12)

    let tape2 = Tape<Double>()
    let prediction = tape2.variable(Tensor([1, -1, 0.5, 3]))
    let target = tape2.variable(Tensor([0, 0, 0, 0]))
    prediction.huberLoss(target: target, delta: 1, reduction: .sum).backward()
    expectClose(prediction.gradient ?? [], [1, -1, 0.5, 1], tolerance: 1e-12)
    expectClose(target.gradient ?? [], [-1, 1, -0.5, -1], tolerance: 1e-12)
  }
}
