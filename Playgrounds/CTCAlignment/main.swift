// CTC: learn to read a sequence of symbols from frames, without being told which frame is which.
//
//   swift run -c release CTCAlignment
//
// Each input is a sequence of frames; a symbol (1, 2 or 3) lasts one to three frames, and
// silent frames separate symbols. Only the symbol sequence is given as the target, never the
// frame-by-frame alignment: the CTC loss sums over every alignment.
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let usage = """
  usage: CTCAlignment [--help]
  Learns to read symbol sequences from noisy frames with the CTC loss (10
  epochs of 30 batches of 32) and decodes new sequences.
  It takes no options.
  """
switch Array(CommandLine.arguments.dropFirst()) {
case []: break
case ["--help"], ["-h"]:
  say(usage)
  exit(0)
case let arguments:
  FileHandle.standardError.write(
    Data("CTCAlignment: unexpected argument '\(arguments[0])'\n\(usage)\n".utf8))
  exit(2)
}

// 1. Data: noisy frames and their symbol sequences.
let symbols = 3  // classes 1...3; class 0 is CTC's blank
let frames = 20
var generator = SeededGenerator(seed: 1)

// A batch carries the symbol sequences as `labelSequences` (of any lengths) and the number of
// frames that hold symbols as `inputLengths`: what the CTC loss needs.
func makeBatch(size: Int, using generator: inout SeededGenerator) -> Batch<Float> {
  var scalars: [Float] = []
  var labels: [[Int]] = []
  var lengths: [Int] = []
  for _ in 0..<size {
    var sequence: [Int] = []
    var frameSymbols: [Int] = []  // 0 for silence
    while true {
      let symbol = Int.random(in: 1...symbols, using: &generator)
      let duration = Int.random(in: 1...3, using: &generator)
      let gap = Int.random(in: 1...2, using: &generator)
      if frameSymbols.count + duration + gap > frames { break }
      sequence.append(symbol)
      frameSymbols += Array(repeating: symbol, count: duration) + Array(repeating: 0, count: gap)
    }
    lengths.append(frameSymbols.count)
    frameSymbols += Array(repeating: 0, count: frames - frameSymbols.count)
    for symbol in frameSymbols {
      for feature in 1...symbols {
        let noise = Float.random(in: -0.3...0.3, using: &generator)
        scalars.append((feature == symbol ? 1 : 0) + noise)
      }
    }
    labels.append(sequence)
  }
  return Batch(
    inputs: Tensor(shape: [size, frames, symbols], scalars: scalars), labelSequences: labels,
    inputLengths: lengths)
}

// 2. The model: the same small network applied to every frame, giving scores for
//    blank, 1, 2 and 3.
final class FrameClassifier: Model {
  let hidden = Affine<Float>(symbols, 16)
  let output = Affine<Float>(16, symbols + 1)
  init() { initializeParameters(seed: 2) }
  func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
    let (batch, time) = (x.shape[0], x.shape[1])
    let perFrame = x.reshaped(to: [batch * time, symbols])
    let scores = output(hidden(perFrame, context: context).tanh(), context: context)
    return scores.reshaped(to: [batch, time, symbols + 1])
  }
  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    hidden.registerParameters(registrar)
    output.registerParameters(registrar)
  }
}

// 3. A metric of our own: the fraction of samples whose best-path decoding (the best class
//    at each frame, repeats merged, blanks removed) is exactly their symbol sequence.
let sequenceAccuracy = CustomMetric<Float>(name: "sequence_accuracy") { logits, batch in
  let decoded = CTC.greedyDecode(logits: logits, inputLengths: batch.inputLengths)
  return Double(zip(decoded, batch.labelSequences ?? []).filter { $0 == $1 }.count)
}

// 4. Training: the trainer's CTC loss reads each batch's label sequences and lengths. Every
//    epoch sees 30 fresh batches of 32; the validation set stays the same.
let model = FrameClassifier()
let trainer = Trainer(
  model, loss: .ctc(blank: 0), optimizer: Adam(learningRate: 0.01), metrics: [sequenceAccuracy])
trainer.reportsProgress = false
let validation = makeBatch(size: 200, using: &generator)
let history = try trainer.fit(
  epochs: 10,
  trainingBatches: { _ in (0..<30).map { _ in makeBatch(size: 32, using: &generator) } },
  validation: [validation])
for record in history.epochs where record.epoch % 2 == 0 {
  let accuracy = record.validationMetrics["sequence_accuracy"] ?? 0
  say(
    "epoch \(record.epoch)  CTC loss \(String(format: "%.4f", record.trainingLoss))  "
      + "validation sequence accuracy \(String(format: "%.2f", accuracy))")
}

// 5. Decoding new sequences.
let test = makeBatch(size: 200, using: &generator)
let decoded = CTC.greedyDecode(logits: model.predict(test.inputs), inputLengths: test.inputLengths)
let targets = test.labelSequences ?? []
for index in 0..<3 {
  say("target \(targets[index])  decoded \(decoded[index])")
}
let correct = zip(decoded, targets).filter { $0 == $1 }.count
say("sequence accuracy: \(String(format: "%.2f", Double(correct) / Double(targets.count)))")
