import Foundation
import Testing

@testable import SwiftTensor

@Suite struct TrainerTests {
  /// y = 2·x1 + 3·x2, no noise, in batches of 8.
  func regressionBatches<T: TensorScalar>(_: T.Type, seed: UInt64) -> [Batch<T>] {
    (0..<8).map { index in
      let x = Tensor<T>.random(shape: [8, 2], lower: -1, upper: 1, seed: seed + UInt64(index))
      let y = x.matmul(Tensor<T>(shape: [2, 1], scalars: [2, 3]))
      return Batch(inputs: x, targets: y)
    }
  }

  func learnsALinearMap<T: TensorScalar>(_: T.Type) throws {
    let model = Graph<T>("linear", seed: 1) { Affine(2, 1) }
    let trainer = Trainer(model, loss: MeanSquaredErrorLoss(), optimizer: SGD(learningRate: 0.2))
    trainer.reportsProgress = false
    let batches = regressionBatches(T.self, seed: 10)
    let history = try trainer.fit(epochs: 60, trainingBatches: { _ in batches })
    let weights = model.parameters[0].variable.value.scalars
    #expect(Swift.abs(Double(weights[0]) - 2) < 1e-3, "\(T.self) w1 \(weights[0])")
    #expect(Swift.abs(Double(weights[1]) - 3) < 1e-3, "\(T.self) w2 \(weights[1])")
    #expect(history.epochs.count == 60)
    let first = try #require(history.epochs.first)
    let last = try #require(history.epochs.last)
    #expect(last.trainingLoss < first.trainingLoss / 100)
    #expect(trainer.step == 480 && trainer.epoch == 60)
  }

  @Test func learnsALinearMapInBothPrecisions() throws {
    try learnsALinearMap(Float.self)
    try learnsALinearMap(Double.self)
  }

  /// Accuracy counts the rows whose first largest score (or first NaN, as `argmax`) is the label.
  @Test func accuracyCountsArgmaxMatches() {
    let output = Tensor<Float>(shape: [4, 3], scalars: [1, 3, 2, 5, 5, 0, 0, .nan, 9, 4, 1, 4.5])
    func count(_ labels: [Int]) -> Int {
      Int(Accuracy().total(output, Batch(inputs: output, labels: labels)))
    }
    #expect(count([1, 0, 1, 2]) == 4)
    #expect(count([1, 1, 2, 0]) == 1)
    #expect(count([0, 1, 0, 1]) == 0)
  }

  /// Two well-separated blobs: a classifier must reach perfect accuracy.
  @Test func classifiesAndReportsAccuracy() throws {
    let model = Graph<Float>("classifier", seed: 2) {
      Affine(2, 8)
      Tanh()
      Dropout(rate: 0.1)
      Affine(8, 2)
    }
    let batches = (0..<10).map { index -> Batch<Float> in
      let noise = Tensor<Float>.randomNormal(
        shape: [16, 2], standardDeviation: 0.3, seed: UInt64(index))
      let labels = (0..<16).map { $0 % 2 }
      let centres = Tensor<Float>(
        shape: [16, 2], scalars: labels.flatMap { $0 == 0 ? [-2, -2] : [2, 2] })
      return Batch(inputs: centres + noise, labels: labels)
    }
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 0.05))
    trainer.reportsProgress = false
    let history = try trainer.fit(
      epochs: 15, trainingBatches: { _ in batches }, validation: Array(batches.prefix(2)))
    #expect(history.epochs.last?.validationAccuracy == 1)
    #expect(trainer.evaluate(batches).accuracy == 1)
    // The same seed reproduces the run exactly.
    let again = Graph<Float>("classifier", seed: 2) {
      Affine(2, 8)
      Tanh()
      Dropout(rate: 0.1)
      Affine(8, 2)
    }
    let second = Trainer(again, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 0.05))
    second.reportsProgress = false
    _ = try second.fit(epochs: 15, trainingBatches: { _ in batches })
    #expect(again.parameters.map(\.variable.value) == model.parameters.map(\.variable.value))
  }

  @Test func earlyStoppingStops() throws {
    let model = Graph<Double>("linear", seed: 1) { Affine(2, 1) }
    // A learning rate of 0 never improves the loss, so patience 2 stops after 3 epochs.
    let trainer = Trainer(model, loss: .meanSquaredError, optimizer: SGD(learningRate: 0))
    trainer.reportsProgress = false
    let batches = regressionBatches(Double.self, seed: 3)
    let history = try trainer.fit(
      epochs: 50, trainingBatches: { _ in batches }, callbacks: [EarlyStopping(patience: 2)])
    #expect(history.epochs.count == 3)
  }

  @Test func historyDrawsAsSVG() {
    var history = TrainingHistory()
    for epoch in 1...3 {
      history.epochs.append(
        EpochRecord(
          epoch: epoch, trainingLoss: 1 / Double(epoch),
          trainingAccuracy: 0.5 + 0.1 * Double(epoch),
          validationLoss: 1.2 / Double(epoch), validationAccuracy: 0.4 + 0.1 * Double(epoch),
          seconds: 0.01))
    }
    let svg = history.svg()
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.components(separatedBy: "<polyline").count == 5, "four curves")
    #expect(svg.contains(">Training history</text>"), "a title")
    #expect(svg.contains("stroke-dasharray"), "validation curves are dashed")
    #expect(svg.hasSuffix("</svg>\n"))
  }
}
