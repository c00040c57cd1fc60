import Dispatch
import SwiftTensor

/// Training tokens per second of the Shakespeare playground's model (embedding 64, one LSTM
/// layer of 256, linear read-out to 65 characters, Adam 2e-3, batch 32, sequence 64, gradient
/// norm clipped to 5) on random tokens: the reference setting.
func benchmarkLSTMTokensPerSecond(steps: Int = 20) throws -> Double {
  final class CharacterModel: Model {
    let embedding = Embedding<Float>(vocabulary: 65, dimension: 64)
    let lstm = LSTM<Float>(inputSize: 64, hiddenSize: 256)
    let readout = Affine<Float>(256, 65)
    init() { initializeParameters(seed: 0) }
    func forward(_ input: Variable<Float>, context: LayerContext) -> Variable<Float> {
      let hidden = lstm(embedding(input, context: context), context: context)
      return readout(hidden.reshaped(to: [-1, 256]), context: context)
    }
    func registerParameters(_ registrar: ParameterRegistrar<Float>) {
      embedding.registerParameters(registrar)
      lstm.registerParameters(registrar)
      readout.registerParameters(registrar)
    }
  }
  let trainer = Trainer(
    CharacterModel(), loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 2e-3))
  trainer.maximumGradientNorm = 5
  var generator = SeededGenerator(seed: 1)
  let windows = TokenWindows(
    tokens: (0..<100_000).map { _ in Int(generator.next() % 65) }, batchSize: 32,
    sequenceLength: 64)
  let batches = (0..<steps).map { _ in
    windows.randomBatch(using: &generator).trainingBatch(as: Float.self)
  }
  try trainer.trainStep(on: batches[0])  // warm-up: allocations, optimiser state
  let begin = DispatchTime.now().uptimeNanoseconds
  for batch in batches { try trainer.trainStep(on: batch) }
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
  return Double(steps * 32 * 64) / seconds
}
