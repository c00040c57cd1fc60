import Dispatch
import SwiftTensor

/// Seconds per epoch of pytensor's digits MLP (64 → 30 sigmoid → 10, softmax cross-entropy,
/// SGD) on 1,347 training and 450 evaluation samples of the digits' shape, written as the
/// `Digits` playground writes it (the sigmoid fused into the first layer).
func benchmarkMLPEpoch(batchSize: Int, epochs: Int = 5) throws -> Double {
  let model = Graph<Float>("mlp", seed: 0) {
    Affine(64, 30, activation: .sigmoid)
    Affine(30, 10)
  }
  let inputs = Tensor<Float>.random(shape: [1347, 64], seed: 1)
  let labels = (0..<1347).map { $0 % 10 }
  var batches: [Batch<Float>] = []
  var start = 0
  while start < 1347 {
    let end = min(start + batchSize, 1347)
    batches.append(
      Batch(inputs: inputs[start..<end], labels: Array(labels[start..<end])))
    start = end
  }
  let evaluation = [Batch(inputs: inputs[..<450], labels: Array(labels[..<450]))]
  let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.01))
  trainer.reportsProgress = false
  var times: [Double] = []
  for _ in 0..<epochs {
    let begin = DispatchTime.now().uptimeNanoseconds
    for batch in batches { try trainer.trainStep(on: batch) }
    _ = trainer.evaluate(evaluation)
    times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
  }
  return times.sorted()[times.count / 2]
}
