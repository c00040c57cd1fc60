import Testing

@testable import SwiftTensor

/// The README's GPT, as written there: it trains on `[batch, time]` token batches with AdamW on
/// its matrices and the warm-up schedule, and learns a repeating text.
@Suite struct ReadmeTransformerExampleTests {
  @Test func gptGraphLearnsARepeatingText() throws {
    let gpt = Graph<Float>("gpt") {
      Embedding(vocabulary: 65, dimension: 128)
      PositionalEmbedding(maxLength: 64, width: 128)  // learned, or encoding: .sinusoidal
      for _ in 0..<4 {
        Residual {
          LayerNorm([128])
          MultiHeadAttention(width: 128, heads: 4, causal: true)
        }
        Residual {
          LayerNorm([128])
          Affine(128, 512, activation: .gelu(.tanh))  // Affine takes [batch, time, features]
          Affine(512, 128)
        }
      }
      LayerNorm([128])
      Affine(128, 65)  // logits [batch, time, 65]
    }
    let optimizer: Adam<Float> = AdamW(
      learningRate: 1e-3, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decay: .matricesOnly)
    let trainer = Trainer(gpt, loss: .softmaxCrossEntropy, optimizer: optimizer)
    trainer.schedule = WarmUp(steps: 100, then: CosineDecay(initial: 1e-3, totalSteps: 3_900))

    // "abcdefgh" repeated: every next character is determined by the current one.
    let windows = TokenWindows(
      tokens: (0..<400).map { $0 % 8 }, batchSize: 2, sequenceLength: 12)
    var generator = SeededGenerator(seed: 3)
    var losses: [Double] = []
    for _ in 0..<25 {
      let batch = windows.randomBatch(using: &generator).trainingBatch(as: Float.self)
      losses.append(try trainer.trainStep(on: batch).loss)
    }
    #expect(losses[0] > 3, "starts near log 65: \(losses[0])")
    #expect(losses.suffix(5).allSatisfy { $0 < 1.5 }, "learns the cycle: \(losses.suffix(5))")
  }
}
