// --throughput --lstm: the character LSTM of the speed benchmarks (embedding 64, one LSTM layer
// of 256, read-out to 65 characters, Adam 2e-3, gradient norm clipped to 5, windows of 64
// tokens) trained data-parallel on random token windows: each rank takes its share of the
// global batch of `--batch-size` windows (32 when not given) from its own stream.
import Dispatch
import SwiftTensor

/// The character model, as `SwiftTensorBenchmarks lstm` trains it.
final class CharacterModel: Model {
  let embedding = Embedding<Float>(vocabulary: 65, dimension: 64)
  let lstm = LSTM<Float>(inputSize: 64, hiddenSize: 256)
  let readout = Affine<Float>(256, 65)
  init() { initializeParameters(seed: 0) }

  /// Scores of the next character at every position, `[windows · 64, 65]`.
  func forward(_ input: Variable<Float>, context: LayerContext) -> Variable<Float> {
    let hidden = lstm(embedding(input, context: context), context: context)
    return readout(hidden.reshaped(to: [-1, 256]), context: context)
  }

  /// The three layers' parameters.
  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    embedding.registerParameters(registrar)
    lstm.registerParameters(registrar)
    readout.registerParameters(registrar)
  }
}

/// Prints the training tokens per second of all ranks together: the median of five timed runs
/// of 20 steps, after a warm-up step.
func recurrentThroughput(_ options: Options) throws {
  let communicator = options.distributed ? try Communicator.mpi() : .singleProcess
  let global = options.batchSizeGiven ? options.batchSize : 32
  let share = shareRangeCount(global, rank: communicator.rank, size: communicator.size)
  guard share > 0 else { fail("--batch-size \(global) leaves rank \(communicator.rank) idle") }
  let trainer = Trainer(
    CharacterModel(), loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 2e-3))
  trainer.maximumGradientNorm = 5
  trainer.reportsProgress = false
  try trainer.distribute(over: communicator)
  var generator = SeededGenerator(seed: 1 + UInt64(communicator.rank))
  let windows = TokenWindows(
    tokens: (0..<100_000).map { _ in Int(generator.next() % 65) }, batchSize: share,
    sequenceLength: 64)
  let batches = (0..<20).map { _ in
    windows.randomBatch(using: &generator).trainingBatch(as: Float.self)
  }
  try trainer.trainStep(on: batches[0])
  var rates: [Double] = []
  for _ in 0..<5 {
    try communicator.barrier()
    let begin = DispatchTime.now().uptimeNanoseconds
    for batch in batches { try trainer.trainStep(on: batch) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
    rates.append(Double(batches.count * global * 64) / seconds)
  }
  guard communicator.rank == 0 else { return }
  print(
    "processes \(communicator.size), LSTM batch \(global): "
      + "\(Int(rates.sorted()[rates.count / 2])) tokens/s (median of \(rates.count) runs)")
}

/// The number of windows rank `rank` of `size` takes of a global batch of `count`.
func shareRangeCount(_ count: Int, rank: Int, size: Int) -> Int {
  (rank + 1) * count / size - rank * count / size
}
