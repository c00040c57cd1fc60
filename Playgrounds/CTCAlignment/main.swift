// CTC: learn to read a sequence of symbols from frames, without being told which frame is which.
//
//   swift run -c release CTCAlignment
//
// Each input is a sequence of frames; a symbol (1, 2 or 3) lasts one to three frames, and
// silent frames separate symbols. Only the symbol sequence is given as the target, never the
// frame-by-frame alignment: the CTC loss sums over every alignment.
import Foundation
import SwiftTensor

// 1. Data: noisy frames and their symbol sequences.
let symbols = 3  // classes 1...3; class 0 is CTC's blank
let frames = 20
var generator = SeededGenerator(seed: 1)

func makeBatch(
  size: Int, using generator: inout SeededGenerator
) -> (
  inputs: Tensor<Float>, labels: [[Int]], lengths: [Int]
) {
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
  return (Tensor(shape: [size, frames, symbols], scalars: scalars), labels, lengths)
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

let model = FrameClassifier()
let optimizer = Adam<Float>(learningRate: 0.01)
let parameters = model.parameters

// 3. Training: the loop a Trainer runs, written out, because the loss needs the label
//    sequences and lengths of each batch.
for step in 1...300 {
  let batch = makeBatch(size: 32, using: &generator)
  let tape = Tape<Float>()
  for parameter in parameters { tape.watch(parameter.variable) }
  let logits = model.forward(
    Variable(batch.inputs, trainable: false), context: LayerContext(isTraining: true, seed: 0))
  let loss = logits.ctcLoss(labels: batch.labels, inputLengths: batch.lengths)
  zeroGradients(parameters)
  loss.backward()
  optimizer.step(parameters)
  if step % 50 == 0 { print("step \(step)  CTC loss \(String(format: "%.4f", loss.value.scalar))") }
}

// 4. Decoding: the best class at each frame, repeats merged, blanks removed.
let test = makeBatch(size: 200, using: &generator)
let decoded = CTC.greedyDecode(logits: model.predict(test.inputs), inputLengths: test.lengths)
for index in 0..<3 {
  print("target \(test.labels[index])  decoded \(decoded[index])")
}
let correct = zip(decoded, test.labels).filter { $0 == $1 }.count
print("sequence accuracy: \(String(format: "%.2f", Double(correct) / Double(test.labels.count)))")
