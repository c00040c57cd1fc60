// A character-level language model: an LSTM reads Shakespeare one character at a time, learns
// to predict the next one, and then writes in his style.
//
//   swift run -c release Shakespeare                  # defaults below
//   swift run -c release Shakespeare --steps 300 --hidden 128 --temperature 0.6
import Foundation
import SwiftTensor

// 1. Options: pytensor-sized defaults (embedding 64, one LSTM layer of 256, Adam 2e-3,
//    sequences of 64 characters, batches of 32).
struct Options {
  var steps = 600
  var hidden = 256
  var embedding = 64
  var batch = 32
  var length = 64
  var temperature = 0.7
  var sampleLength = 400
  var prompt = "ROMEO:"
}

/// A number from an option's value, or the usage message.
func number<T: LosslessStringConvertible>(_ value: String, _ flag: String) -> T {
  guard let number = T(value) else { usage("\(flag) expects a number, got '\(value)'") }
  return number
}

func parse(_ arguments: [String]) -> Options {
  var options = Options()
  var rest = arguments[...]
  while let flag = rest.popFirst() {
    guard let value = rest.popFirst() else { usage("\(flag) needs a value") }
    switch flag {
    case "--steps": options.steps = number(value, flag)
    case "--hidden": options.hidden = number(value, flag)
    case "--batch": options.batch = number(value, flag)
    case "--length": options.length = number(value, flag)
    case "--temperature": options.temperature = number(value, flag)
    case "--sample-length": options.sampleLength = number(value, flag)
    case "--prompt": options.prompt = value
    default: usage("unknown option \(flag)")
    }
  }
  guard options.steps > 0, options.hidden > 0, options.batch > 0, options.length > 0,
    options.temperature > 0
  else { usage("sizes, steps and temperature must be positive") }
  return options
}

func usage(_ message: String) -> Never {
  FileHandle.standardError.write(
    Data(
      ("Shakespeare: \(message)\nusage: Shakespeare [--steps N] [--hidden N] [--batch N] "
        + "[--length N] [--temperature X] [--sample-length N] [--prompt TEXT]\n").utf8))
  exit(2)
}

// 2. The model: embedding -> LSTM -> a linear map to one score per character.
final class CharacterModel: Model {
  let embedding: Embedding<Float>
  let lstm: LSTM<Float>
  let output: Affine<Float>

  init(vocabulary: Int, embedding: Int, hidden: Int) {
    self.embedding = Embedding(vocabulary: vocabulary, dimension: embedding)
    lstm = LSTM(inputSize: embedding, hiddenSize: hidden)
    output = Affine(hidden, vocabulary)
    initializeParameters(seed: 1)
  }

  /// Scores `[batch · time, vocabulary]` for each next character, and the final state.
  func scores(
    _ tokens: TokenBatch, state: LSTMState<Float>?, context: LayerContext
  ) -> (
    Variable<Float>, LSTMState<Float>
  ) {
    let vectors = embedding(tokens, context: context)
    let (hiddenStates, newState) = lstm.run(vectors, from: state)
    let flat = hiddenStates.reshaped(to: [-1, lstm.hiddenSize])
    return (output(flat, context: context), newState)
  }

  func forward(_ input: Variable<Float>, context: LayerContext) -> Variable<Float> {
    let ids = input.value.scalars.map { Int($0) }
    return scores(TokenBatch(ids: ids, shape: input.shape), state: nil, context: context).0
  }

  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    embedding.registerParameters(registrar)
    lstm.registerParameters(registrar)
    output.registerParameters(registrar)
  }
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
let text = try TextCorpus.tinyShakespeare()
let vocabulary = Vocabulary.characters(of: text)
let windows = LanguageModelWindows(
  tokens: vocabulary.encodeCharacters(text), length: options.length)
print("tiny Shakespeare: \(text.count) characters, \(vocabulary.count - 1) distinct")

let model = CharacterModel(
  vocabulary: vocabulary.count, embedding: options.embedding, hidden: options.hidden)
let optimizer = Adam<Float>(learningRate: 2e-3)
let parameters = model.parameters
var generator = SeededGenerator(seed: 7)

// 3. Training: random windows; the loss is the mean cross-entropy in nats per character.
let start = Date()
var recentLoss = 0.0
for step in 1...options.steps {
  let (inputs, targets) = windows.randomBatch(size: options.batch, using: &generator)
  let tape = Tape<Float>()
  for parameter in parameters { tape.watch(parameter.variable) }
  let (scores, _) = model.scores(
    TokenBatch(ids: inputs, shape: [options.batch, options.length]), state: nil,
    context: LayerContext(isTraining: true, seed: UInt64(step)))
  let loss = scores.softmaxCrossEntropy(labels: targets)
  zeroGradients(parameters)
  loss.backward()
  clipGradients(parameters, maximumNorm: 5)
  optimizer.step(parameters)
  recentLoss =
    step == 1 ? Double(loss.value.scalar) : 0.9 * recentLoss + 0.1 * Double(loss.value.scalar)
  if step % 50 == 0 || step == options.steps {
    let seconds = Date().timeIntervalSince(start)
    let tokens = Double(step * options.batch * options.length)
    print(
      "step \(step)  loss \(String(format: "%.3f", recentLoss)) nats/char  "
        + "\(Int(tokens / seconds)) tokens/s")
  }
}

// 4. Save the parameters and load them into a fresh model, which must write the same text.
let url = FileManager.default.temporaryDirectory.appendingPathComponent("shakespeare.safetensors")
try model.save(to: url)
let reloaded = CharacterModel(
  vocabulary: vocabulary.count, embedding: options.embedding, hidden: options.hidden)
try reloaded.load(from: url)
print("checkpoint saved to \(url.path) and reloaded")

// 5. Sampling: feed the prompt, then draw each next character from softmax(scores / T).
func sample(_ model: CharacterModel, seed: UInt64) -> String {
  var generator = SeededGenerator(seed: seed)
  let context = LayerContext(isTraining: false, seed: 0)
  var state: LSTMState<Float>? = nil
  var last = vocabulary.encodeCharacters(options.prompt)
  var written = options.prompt
  for _ in 0..<options.sampleLength {
    let (scores, newState) = model.scores(
      TokenBatch(ids: last, shape: [1, last.count]), state: state, context: context)
    state = newState
    let lastScores = scores.value[scores.shape[0] - 1] / Float(options.temperature)
    let probabilities = lastScores.softmax().scalars
    var draw = Float.random(in: 0..<1, using: &generator)
    var next = probabilities.count - 1
    for (id, p) in probabilities.enumerated() {
      draw -= p
      if draw < 0 {
        next = id
        break
      }
    }
    written += vocabulary.decode([next])
    last = [next]
  }
  return written
}

let text1 = sample(model, seed: 3)
let text2 = sample(reloaded, seed: 3)
print("---")
print(text1)
print("---")
print(text1 == text2 ? "the reloaded model writes the same text" : "RELOAD MISMATCH")
