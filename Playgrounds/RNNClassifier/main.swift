// pytensor's RNN classifier: read a sequence one token at a time, then classify it from the
// final hidden state. The toy task: strings of 'a' and 'b'; is there more 'a' than 'b'?
// Counting needs memory across the whole sequence, so a model without recurrence cannot do it.
//
//   swift run -c release RNNClassifier            # Elman RNN (tanh), 32 units
//   swift run -c release RNNClassifier lstm       # the same with an LSTM, or gru
import Foundation
import SwiftTensor

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
print("\(training.count) training and \(test.count) test strings of \(length) letters")

// 2. The model: embedding [batch, 15] -> [batch, 15, 8], a recurrent layer over the 15 steps,
//    and an affine read-out of its final hidden state [batch, 32] -> 2 class scores.
let cell: RecurrentCellKind =
  switch CommandLine.arguments.dropFirst().first {
  case "lstm": .lstm
  case "gru": .gru
  default: .rnn
  }

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
  print(
    "epoch \(epoch + 1): training loss \(String(format: "%.3f", record.trainingLoss)), "
      + "test accuracy \(String(format: "%.3f", record.validationAccuracy ?? 0))")
}

// 4. Try it on strings of our own.
for string in ["aaaaaaabbbbbbbb", "abababababababa", "bbbbbbbbbbbbbba"] {
  let input = Tensor<Float>(shape: [1, length], scalars: string.map { $0 == "a" ? 0 : 1 })
  let scores = model.predict(input)
  let verdict = scores.scalars[1] > scores.scalars[0] ? "more a" : "more b"
  print("\(string): \(verdict)")
}
