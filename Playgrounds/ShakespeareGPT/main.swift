// A character-level GPT on tiny Shakespeare: 4 pre-LayerNorm transformer blocks of causal
// self-attention learn to predict the next character; then the model writes.
//
//   swift run -c release ShakespeareGPT                  # 4,000 steps, as the README reports
//   swift run -c release ShakespeareGPT --steps 300 --sample-length 200 --top-k 10
//   swift run -c release ShakespeareGPT --precision double --steps 50
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that progress reaches a pipe or a log file
/// as it is printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// 1. The options: nanoGPT's "baby GPT" scaled to a CPU.
struct Options {
  var steps = 4_000
  var layers = 4
  var heads = 4
  var width = 128
  var context = 64
  var batchSize = 32
  var learningRate = 1e-3
  var warmupSteps = 100
  var weightDecay = 0.1
  var precision = "float"
  var logEvery = 250
  var sampleLength = 500
  var temperature = 0.8
  var topK: Int? = nil
  var prompt = "ROMEO:\n"
  var seed: UInt64 = 0
}

let usage = """
  usage: ShakespeareGPT [options]
    --steps N            training steps (default 4000)
    --precision P        float or double (default float)
    --layers N           transformer blocks (default 4)
    --heads N            attention heads per block (default 4)
    --width N            model width (default 128)
    --context N          characters of context (default 64)
    --batch-size N       windows per batch (default 32)
    --learning-rate X    AdamW's peak rate, cosine-decayed to a tenth (default 0.001)
    --warmup-steps N     linear warm-up steps before the cosine decay (default 100)
    --weight-decay X     AdamW's weight decay of the matrices (default 0.1)
    --log-every N        steps between progress lines (default 250)
    --sample-length N    characters written after training (default 500)
    --temperature X      sampling temperature (default 0.8)
    --top-k N            sample from the k likeliest characters (default: all)
    --prompt TEXT        the start of the sample (default "ROMEO:\\n")
    --seed N             seed of the parameters, batches and sample (default 0)
    --help               this text
  """

/// A command-line mistake: reported with the usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
}

func parseOptions(_ arguments: [String]) throws(UsageError) -> Options? {
  var options = Options()
  var rest = arguments[...]
  func value(_ flag: String) throws(UsageError) -> String {
    guard let value = rest.popFirst() else {
      throw UsageError(description: "\(flag) needs a value")
    }
    return value
  }
  func number<T: LosslessStringConvertible>(_ flag: String) throws(UsageError) -> T {
    let text = try value(flag)
    guard let number = T(text) else {
      throw UsageError(description: "\(flag) expects a number, got '\(text)'")
    }
    return number
  }
  while let flag = rest.popFirst() {
    switch flag {
    case "--help", "-h": return nil
    case "--steps": options.steps = try number(flag)
    case "--layers": options.layers = try number(flag)
    case "--heads": options.heads = try number(flag)
    case "--width": options.width = try number(flag)
    case "--context": options.context = try number(flag)
    case "--batch-size": options.batchSize = try number(flag)
    case "--learning-rate": options.learningRate = try number(flag)
    case "--warmup-steps": options.warmupSteps = try number(flag)
    case "--weight-decay": options.weightDecay = try number(flag)
    case "--log-every": options.logEvery = try number(flag)
    case "--sample-length": options.sampleLength = try number(flag)
    case "--temperature": options.temperature = try number(flag)
    case "--top-k": options.topK = try number(flag) as Int
    case "--seed": options.seed = try number(flag)
    case "--prompt": options.prompt = try value(flag)
    case "--precision":
      options.precision = try value(flag)
      guard ["float", "double"].contains(options.precision) else {
        throw UsageError(description: "--precision must be float or double")
      }
    default: throw UsageError(description: "unknown option '\(flag)'")
    }
  }
  let sizes = [
    options.steps, options.layers, options.heads, options.width, options.context,
    options.batchSize, options.logEvery,
  ]
  guard sizes.allSatisfy({ $0 > 0 }), options.temperature > 0, options.learningRate > 0 else {
    throw UsageError(
      description: "sizes, steps, the learning rate and the temperature must be positive")
  }
  guard options.width % options.heads == 0 else {
    throw UsageError(
      description: "--width \(options.width) is not a multiple of --heads \(options.heads)")
  }
  if let topK = options.topK, topK < 1 {
    throw UsageError(description: "--top-k must be positive")
  }
  return options
}

// 2. Training: random windows of the first nine tenths of the text; the last tenth is held
//    out for the validation loss.
func run<Scalar: TensorScalar>(_: Scalar.Type, _ options: Options) throws {
  let text = try TinyShakespeare.text()
  let vocabulary = CharacterVocabulary(text: text)
  let ids = vocabulary.encode(text)
  let split = ids.count * 9 / 10
  let training = TokenWindows(
    tokens: Array(ids[..<split]), batchSize: options.batchSize, sequenceLength: options.context)
  let validation = TokenWindows(
    tokens: Array(ids[split...]), batchSize: options.batchSize, sequenceLength: options.context)
  say(
    "tiny shakespeare: \(split) training and \(ids.count - split) validation characters, "
      + "vocabulary of \(vocabulary.count)")

  let model = GPT<Scalar>(
    vocabulary: vocabulary.count, context: options.context, layers: options.layers,
    heads: options.heads, width: options.width, seed: options.seed)
  say(
    "model: \(options.layers) blocks, \(options.heads) heads, width \(options.width)")
  say(model.summary(inputShape: [options.context]).description)
  // AdamW decays only the weight matrices, as nanoGPT does: never biases, norms or embeddings.
  let optimizer: Adam<Scalar> = AdamW(
    learningRate: Scalar(options.learningRate), beta1: 0.9, beta2: 0.99,
    weightDecay: Scalar(options.weightDecay), decay: .matricesOnly)
  let trainer = Trainer(
    model, loss: SoftmaxCrossEntropyLoss(), optimizer: optimizer, seed: options.seed)
  let warmup = min(options.warmupSteps, options.steps - 1)
  trainer.schedule = WarmUp(
    steps: warmup,
    then: CosineDecay(
      initial: options.learningRate, minimum: options.learningRate / 10,
      totalSteps: options.steps - warmup))
  trainer.maximumGradientNorm = 1

  func validationLoss(batches: Int) -> Double {
    let count = min(batches, validation.sequentialBatchCount)
    let batches = (0..<count).map {
      validation.sequentialBatch($0).trainingBatch(as: Scalar.self)
    }
    return trainer.evaluate(batches).loss
  }

  var generator = SeededGenerator(seed: options.seed)
  let tokensPerStep = Double(options.batchSize * options.context)
  var lossSum = 0.0
  var seconds = 0.0
  var intervalSeconds = 0.0
  for step in 1...options.steps {
    let batch = training.randomBatch(using: &generator).trainingBatch(as: Scalar.self)
    let start = Date()
    lossSum += try trainer.trainStep(on: batch).loss
    let elapsed = Date().timeIntervalSince(start)
    seconds += elapsed
    intervalSeconds += elapsed
    if step % options.logEvery == 0 || step == options.steps {
      let remainder = step % options.logEvery
      let steps = Double(remainder == 0 ? options.logEvery : remainder)
      say(
        "step \(step): loss \(String(format: "%.4f", lossSum / steps)), "
          + "validation \(String(format: "%.4f", validationLoss(batches: 8))) nats/char, "
          + "\(Int(steps * tokensPerStep / intervalSeconds)) tokens/s")
      lossSum = 0
      intervalSeconds = 0
    }
  }
  say(
    "trained \(options.steps) steps in \(String(format: "%.1f", seconds)) s: "
      + "\(Int(Double(options.steps) * tokensPerStep / seconds)) tokens/s")
  say("validation loss: \(String(format: "%.4f", validationLoss(batches: .max)))")

  // 3. Writing, from a prompt, with the key/value cache: one position per new character.
  let prompt = vocabulary.encode(options.prompt)
  let start = Date()
  let sample = model.sample(
    prompt: prompt, length: options.sampleLength, temperature: options.temperature,
    topK: options.topK, seed: options.seed, cached: true)
  let rate = Double(options.sampleLength) / Date().timeIntervalSince(start)
  say("\n--- sample (temperature \(options.temperature), \(Int(rate)) characters/s) ---")
  say(options.prompt + vocabulary.decode(sample))
  say("---")
  let checked = min(100, sample.count)
  let uncached = model.sample(
    prompt: prompt, length: checked, temperature: options.temperature, topK: options.topK,
    seed: options.seed, cached: false)
  let cacheAgrees = uncached == Array(sample.prefix(checked))
  say("cached and uncached generation: \(cacheAgrees ? "identical" : "DIFFERENT")")

  // 4. The checkpoint: save, load into a fresh model, and check it writes the same text.
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "shakespeare-gpt-\(ProcessInfo.processInfo.processIdentifier).safetensors")
  defer { try? FileManager.default.removeItem(at: url) }
  try model.save(to: url)
  let reloaded = GPT<Scalar>(
    vocabulary: vocabulary.count, context: options.context, layers: options.layers,
    heads: options.heads, width: options.width, seed: options.seed &+ 1)
  try reloaded.load(from: url)
  let again = reloaded.sample(
    prompt: prompt, length: checked, temperature: options.temperature, topK: options.topK,
    seed: options.seed, cached: true)
  let same = again == Array(sample.prefix(checked))
  say("checkpoint saved and reloaded: \(same ? "identical" : "DIFFERENT") samples")
  if !same || !cacheAgrees { exit(1) }
}

// 5. Run.
do {
  guard let options = try parseOptions(Array(CommandLine.arguments.dropFirst())) else {
    say(usage)
    exit(0)
  }
  if options.precision == "double" {
    try run(Double.self, options)
  } else {
    try run(Float.self, options)
  }
} catch let error as UsageError {
  FileHandle.standardError.write(Data("ShakespeareGPT: \(error)\n\(usage)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("ShakespeareGPT: \(error)\n".utf8))
  exit(1)
}
