// pytensor's RNN classifier: read a sequence one token at a time, then classify it from the
// final hidden state. The toy task: strings of 'a' and 'b'; is there more 'a' than 'b'?
// Counting needs memory across the whole sequence, so a model without recurrence cannot do it.
//
//   swift run -c release RNNClassifier            # Elman RNN (tanh), 32 units
//   swift run -c release RNNClassifier lstm       # the same with an LSTM, or gru
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let usage = """
  usage: RNNClassifier [rnn|lstm|gru] | --help
  Classifies strings of 'a' and 'b' (more a than b?) with a recurrent layer of 32 units
  (default rnn: an Elman RNN with tanh), 15 epochs of Adam (learning rate 0.01, batch 32).
  """
let cell: RecurrentCellKind
switch Array(CommandLine.arguments.dropFirst()) {
case [], ["rnn"]: cell = .rnn
case ["lstm"]: cell = .lstm
case ["gru"]: cell = .gru
case ["--help"], ["-h"]:
  say(usage)
  exit(0)
case let arguments:
  FileHandle.standardError.write(
    Data("RNNClassifier: unexpected arguments \(arguments)\n\(usage)\n".utf8))
  exit(2)
}

// 1. The data: 2,000 random strings of 15 letters (odd, so there is never a tie), split 75/25.
let length = 15
var generator = SeededGenerator(seed: 1)
var ids: [Float] = []
var labels: [Int] = []
for _ in 0..<2_000 {
  let string = (0..<length).map { _ in Int(generator.next() % 2) }  // 0 = 'a', 1 = 'b'
  ids += string.map(Float.init)
  labels.append(string.filter { $0 == 0 }.count > length / 2 ? 1 : 0)
}
let all = Dataset(inputs: Tensor(shape: [2_000, length], scalars: ids), labels: labels)
let (training, test) = all.split(trainingFraction: 0.75, seed: 2)
say("\(training.count) training and \(test.count) test strings of \(length) letters")

// 2. The model: embedding [batch, 15] -> [batch, 15, 8], a recurrent layer over the 15 steps,
//    and an affine read-out of its final hidden state [batch, 32] -> 2 class scores.
final class SequenceClassifier: Model {
  let embedding = Embedding<Float>(vocabulary: 2, dimension: 8)
  let recurrent: RecurrentStack<Float>
  let readout = Affine<Float>(32, 2)

  init(cell: RecurrentCellKind) {
    recurrent = RecurrentStack(cell, inputSize: 8, hiddenSize: 32, layers: 1)
    initializeParameters(seed: 3)
  }

  func forward(_ input: Variable<Float>, context: LayerContext) -> Variable<Float> {
    let (_, state) = recurrent(embedding(input, context: context))
    return readout(state.topHidden, context: context)
  }

  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    embedding.registerParameters(registrar)
    recurrent.registerParameters(registrar)
    readout.registerParameters(registrar)
  }
}

// 3. Training: Adam, batches of 32, the gradient norm clipped at 1 (recurrences can explode).
let model = SequenceClassifier(cell: cell)
let trainer = Trainer(
  model, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 0.01), seed: 4)
trainer.maximumGradientNorm = 1
trainer.reportsProgress = false
let history = try trainer.fit(training, validation: test, epochs: 15, batchSize: 32)
for (epoch, record) in history.epochs.enumerated() where epoch % 3 == 2 {
  say(
    "epoch \(epoch + 1): training loss \(String(format: "%.3f", record.trainingLoss)), "
      + "test accuracy \(String(format: "%.3f", record.validationAccuracy ?? 0))")
}

// 4. Try it on strings of our own.
for string in ["aaaaaaabbbbbbbb", "abababababababa", "bbbbbbbbbbbbbba"] {
  let input = Tensor<Float>(shape: [1, length], scalars: string.map { $0 == "a" ? 0 : 1 })
  let scores = model.predict(input)
  let verdict = scores.scalars[1] > scores.scalars[0] ? "more a" : "more b"
  say("\(string): \(verdict)")
}
