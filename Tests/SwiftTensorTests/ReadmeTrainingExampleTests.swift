import Foundation
import Testing

@testable import SwiftTensor

// The README's "Losses and metrics" section, as written there (with frames `[2, 20, 3]` and the
// frame model of `TrainingLossTests`).
@Suite struct ReadmeTrainingExampleTests {
  @Test func lossesAndMetricsExample() throws {
    let frames = Tensor<Double>.random(shape: [2, 20, 3], seed: 3)
    let frameModel = TrainingLossTests.FrameClassifier()

    let x = Tensor<Float>.random(shape: [64, 2], lower: -1, upper: 1, seed: 1)
    let data = Dataset(inputs: x, targets: x.matmul([[2], [3]]))  // y = 2·x1 + 3·x2
    let linear = Graph<Float>("linear") { Affine(2, 1) }
    let squaredError = CustomMetric<Float>(name: "squared_error") { output, batch in
      let error = output - batch.targets!
      return Double((error * error).sum().scalar)  // summed over the batch's samples
    }
    let trainer = Trainer(
      linear,
      loss: { output, batch in
        output.squareLoss(target: Variable(batch.targets!, trainable: false))
      }, optimizer: SGD(learningRate: 0.1), metrics: [squaredError])
    trainer.reportsProgress = false
    let history = try trainer.fit(data, epochs: 20, batchSize: 8)
    print(history.metric("squared_error").last!!)  // the mean over the last epoch's samples

    // CTC on frames [2, 20, features]: label sequences and each sample's valid frames
    let batch = Batch(inputs: frames, labelSequences: [[1, 2], [3]], inputLengths: [20, 12])
    let reader = Trainer(frameModel, loss: .ctc(), optimizer: Adam(learningRate: 0.01))
    try reader.trainStep(on: batch)

    // With one output per sample, the mean squared error is the metric's mean per sample.
    for record in history.epochs {
      let metric = try #require(record.trainingMetrics["squared_error"])
      #expect(Swift.abs(metric - record.trainingLoss) <= 1e-4 * record.trainingLoss)
    }
    let losses = history.epochs.map(\.trainingLoss)
    #expect(losses.last! < losses.first! / 100)
    #expect(reader.step == 1)
  }
}
