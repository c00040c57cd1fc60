import Dispatch
import SwiftTensor

/// Training tokens per second of the ShakespeareGPT configuration (vocabulary 65, context 64,
/// 4 pre-LayerNorm blocks of 4 heads, width 128, MLP 4x with tanh GELU, learned positions,
/// AdamW 1e-3 with betas 0.9/0.99 and weight decay 0.1 on the matrices, batch 32) on random
/// tokens, written as pytorch_reference.py's `gpt_tokens_per_s` is: the median rate over
/// `repeats` runs of `steps` steps, after a warm-up.
func gptTrainingTokensPerSecond(steps: Int = 30, repeats: Int = 5) throws -> Double {
  let width = 128
  let model = Graph<Float>("gpt") {
    Embedding(vocabulary: 65, dimension: width)
    PositionalEmbedding(maxLength: 64, width: width)
    for _ in 0..<4 { TransformerBlock(width: width, heads: 4) }
    LayerNorm([width])
    Affine(width, 65)
  }
  let optimizer: Adam<Float> = AdamW(
    learningRate: 1e-3, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decay: .matricesOnly)
  let trainer = Trainer(model, loss: SoftmaxCrossEntropyLoss(), optimizer: optimizer)
  var generator = SeededGenerator(seed: 1)
  let windows = TokenWindows(
    tokens: (0..<100_000).map { _ in Int(generator.next() % 65) }, batchSize: 32,
    sequenceLength: 64)
  let batches = (0..<8).map { _ in
    windows.randomBatch(using: &generator).trainingBatch(as: Float.self)
  }
  for step in 0..<5 { try trainer.trainStep(on: batches[step % 8]) }  // warm-up
  var rates: [Double] = []
  for _ in 0..<repeats {
    let begin = DispatchTime.now().uptimeNanoseconds
    for step in 0..<steps { try trainer.trainStep(on: batches[step % 8]) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
    rates.append(Double(steps * 32 * 64) / seconds)
  }
  return rates.sorted()[repeats / 2]
}
