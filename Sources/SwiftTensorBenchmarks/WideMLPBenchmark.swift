import Dispatch
import SwiftTensor

/// Training samples per second of the 64-256-256-10 relu MLP (softmax cross-entropy, Adam
/// 1e-3, batch 64) on random digits-shaped batches, written as pytorch_reference.py's and
/// jax_reference.py's `wide_mlp_samples_per_s` are: the median over `repeats` runs of `steps`
/// steps, after a warm-up.
func wideMLPSamplesPerSecond(steps: Int = 300, repeats: Int = 5) throws -> Double {
  let model = Graph<Float>("mlp", seed: 0) {
    Affine(64, 256, activation: .relu)
    Affine(256, 256, activation: .relu)
    Affine(256, 10)
  }
  let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 1e-3))
  trainer.reportsProgress = false
  var generator = SeededGenerator(seed: 1)
  let batches = (0..<16).map { _ in
    Batch(
      inputs: Tensor<Float>.randomNormal(shape: [64, 64], using: &generator),
      labels: (0..<64).map { _ in Int(generator.next() % 10) })
  }
  for step in 0..<20 { try trainer.trainStep(on: batches[step % 16]) }  // warm-up
  var rates: [Double] = []
  for _ in 0..<repeats {
    let begin = DispatchTime.now().uptimeNanoseconds
    for step in 0..<steps { try trainer.trainStep(on: batches[step % 16]) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
    rates.append(Double(steps * 64) / seconds)
  }
  return rates.sorted()[repeats / 2]
}
