// A character-level language model of Shakespeare (char-rnn): an embedding, an LSTM and a
// linear read-out learn to predict the next character; then the model writes.
//
//   swift run -c release Shakespeare                   # embedding 64, LSTM 256, Adam 2e-3
//   swift run -c release Shakespeare --gru --steps 500 --temperature 0.6
//   swift run -c release Shakespeare --precision double --hidden 128 --sample-length 200
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// 1. The options, with the defaults of the issue's reference runs (PyTorch and JAX).
struct Options {
  var steps = 1_000
  var hidden = 256
  var embedding = 64
  var batchSize = 32
  var sequenceLength = 64
  var learningRate = 2e-3
  var gru = false
  var precision = "float"
  var sampleLength = 400
  var temperature = 0.8
  var prompt = "ROMEO:\n"
  var seed: UInt64 = 0
}

let usage = """
  usage: Shakespeare [options]
    --steps N            training steps (default 1000)
    --hidden N           LSTM (or GRU) units (default 256)
    --embedding N        embedding width (default 64)
    --gru                a GRU instead of the LSTM
    --precision P        float or double (default float)
    --batch-size N       windows per batch (default 32)
    --sequence-length N  characters per window (default 64)
    --learning-rate X    Adam's learning rate (default 0.002)
    --sample-length N    characters written after training (default 400)
    --temperature X      sampling temperature (default 0.8)
    --prompt TEXT        the start of the sample (default "ROMEO:\\n")
    --seed N             seed of the parameters, batches and sample (default 0)
    --help               this text
  """

/// A command-line mistake: reported with the usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
}

/// The options, or `nil` for `--help`.
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
    case "--hidden": options.hidden = try number(flag)
    case "--embedding": options.embedding = try number(flag)
    case "--batch-size": options.batchSize = try number(flag)
    case "--sequence-length": options.sequenceLength = try number(flag)
    case "--learning-rate": options.learningRate = try number(flag)
    case "--sample-length": options.sampleLength = try number(flag)
    case "--temperature": options.temperature = try number(flag)
    case "--seed": options.seed = try number(flag)
    case "--prompt": options.prompt = try value(flag)
    case "--gru": options.gru = true
    case "--precision":
      options.precision = try value(flag)
      guard ["float", "double"].contains(options.precision) else {
        throw UsageError(description: "--precision must be float or double")
      }
    default: throw UsageError(description: "unknown option '\(flag)'")
    }
  }
  let sizes = [options.steps, options.hidden, options.embedding, options.batchSize]
  guard sizes.allSatisfy({ $0 > 0 }), options.sequenceLength > 0, options.temperature > 0 else {
    throw UsageError(description: "sizes, steps and the temperature must be positive")
  }
  return options
}

// 2. The model: ids [batch, time] -> embedding [batch, time, 64] -> LSTM [batch, time, 256]
//    -> logits [batch·time, vocabulary]. A class, as pytensor's models, because sampling also
//    needs the recurrent state, which a `Graph` does not expose.
final class CharacterModel<Scalar: TensorScalar>: Model {
  let embedding: Embedding<Scalar>
  let recurrent: RecurrentStack<Scalar>
  let readout: Affine<Scalar>

  init(vocabulary: Int, options: Options) {
    embedding = Embedding(vocabulary: vocabulary, dimension: options.embedding)
    recurrent = RecurrentStack(
      options.gru ? .gru : .lstm, inputSize: options.embedding, hiddenSize: options.hidden,
      layers: 1)
    readout = Affine(options.hidden, vocabulary)
    initializeParameters(seed: options.seed)
  }

  /// Logits for the next character after each position, and the final state.
  func run(
    _ ids: Variable<Scalar>, state: RecurrentState<Scalar>?, context: LayerContext
  ) -> (logits: Variable<Scalar>, state: RecurrentState<Scalar>) {
    let (batch, time) = (ids.shape[0], ids.shape[1])
    let (hiddenStates, final) = recurrent(embedding(ids, context: context), initialState: state)
    let flat = hiddenStates.reshaped(to: [batch * time, recurrent.hiddenSize])
    return (readout(flat, context: context), final)
  }

  func forward(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    run(input, state: nil, context: context).logits
  }

  func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    embedding.registerParameters(registrar)
    recurrent.registerParameters(registrar)
    readout.registerParameters(registrar)
  }

  // 3. Sampling: run the prompt, then feed each drawn character back, carrying the state.
  func sample(
    prompt: [Int], length: Int, temperature: Double, seed: UInt64
  ) -> [Int] {
    var generator = SeededGenerator(seed: seed)
    let context = LayerContext(isTraining: false, seed: seed)
    var input = prompt
    var state: RecurrentState<Scalar>? = nil
    var drawn: [Int] = []
    for _ in 0..<length {
      let ids = Tensor<Scalar>(shape: [1, input.count], scalars: input.map { Scalar($0) })
      let (logits, next) = run(Variable(ids, trainable: false), state: state, context: context)
      state = next
      let last = logits.value[input.count - 1].scalars.map { Double($0) / temperature }
      let top = last.max() ?? 0
      let weights = last.map { Foundation.exp($0 - top) }
      var threshold = Double(generator.next() >> 11) / Double(1 << 53) * weights.reduce(0, +)
      var choice = weights.count - 1
      for (id, weight) in weights.enumerated() {
        threshold -= weight
        if threshold < 0 {
          choice = id
          break
        }
      }
      drawn.append(choice)
      input = [choice]
    }
    return drawn
  }
}

// 4. Training: random windows of the text, Adam, gradient norm clipped to 5 (char-rnn's).
func run<Scalar: TensorScalar>(_: Scalar.Type, _ options: Options) throws {
  let text = try TinyShakespeare.text()
  let vocabulary = CharacterVocabulary(text: text)
  let windows = TokenWindows(
    tokens: vocabulary.encode(text), batchSize: options.batchSize,
    sequenceLength: options.sequenceLength)
  say("tiny shakespeare: \(windows.tokens.count) characters, vocabulary of \(vocabulary.count)")

  let model = CharacterModel<Scalar>(vocabulary: vocabulary.count, options: options)
  say(model.summary(inputShape: [options.sequenceLength]).description)
  let optimizer = Adam<Scalar>(learningRate: Scalar(options.learningRate))
  let trainer = Trainer(
    model, loss: SoftmaxCrossEntropyLoss(), optimizer: optimizer, seed: options.seed)
  trainer.maximumGradientNorm = 5
  var generator = SeededGenerator(seed: options.seed)
  let tokensPerStep = Double(options.batchSize * options.sequenceLength)
  let every = max(1, min(100, options.steps / 10))
  var lossSum = 0.0
  var seconds = 0.0
  var intervalSeconds = 0.0
  for step in 1...options.steps {
    let batch = windows.randomBatch(using: &generator).trainingBatch(as: Scalar.self)
    let start = Date()
    lossSum += try trainer.trainStep(on: batch).loss
    let elapsed = Date().timeIntervalSince(start)
    seconds += elapsed
    intervalSeconds += elapsed
    if step % every == 0 || step == options.steps {
      let steps = Double(step % every == 0 ? every : step % every)
      say(
        "step \(step): loss \(String(format: "%.3f", lossSum / steps)) nats/char, "
          + "\(Int(steps * tokensPerStep / intervalSeconds)) tokens/s")
      lossSum = 0
      intervalSeconds = 0
    }
  }
  say(
    "trained \(options.steps) steps in \(String(format: "%.1f", seconds)) s: "
      + "\(Int(Double(options.steps) * tokensPerStep / seconds)) tokens/s")

  // 5. Writing, from a prompt, at the chosen temperature.
  let prompt = vocabulary.encode(options.prompt)
  let sample = model.sample(
    prompt: prompt, length: options.sampleLength, temperature: options.temperature,
    seed: options.seed)
  say("\n--- sample (temperature \(options.temperature)) ---")
  say(options.prompt + vocabulary.decode(sample))
  say("---")

  // 6. The checkpoint: save, load into a fresh model, and check it writes the same text.
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "shakespeare-\(ProcessInfo.processInfo.processIdentifier).safetensors")
  defer { try? FileManager.default.removeItem(at: url) }
  try model.save(to: url)
  let reloaded = CharacterModel<Scalar>(vocabulary: vocabulary.count, options: options)
  try reloaded.load(from: url)
  // The first characters of the same seeded sample (all of them for a short sample).
  let checked = Swift.min(50, sample.count)
  let again = reloaded.sample(
    prompt: prompt, length: checked, temperature: options.temperature, seed: options.seed)
  let same = again == Array(sample.prefix(checked))
  say("checkpoint saved and reloaded: \(same ? "identical" : "DIFFERENT") samples")
  if !same { exit(1) }
}

// 7. Run.
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
  FileHandle.standardError.write(Data("Shakespeare: \(error)\n\(usage)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("Shakespeare: \(error)\n".utf8))
  exit(1)
}
