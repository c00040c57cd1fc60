// pytensor's tutorial, part 1: learn y = 2·x1 + 3·x2 from noisy samples.
//
//   swift run -c release LinearRegression
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let usage = """
  usage: LinearRegression [--help]
  Learns y = 2·x1 + 3·x2 from 800 noisy samples (30 epochs of SGD, learning
  rate 0.1, batch size 10) and prints the learned weights.
  It takes no options.
  """
switch Array(CommandLine.arguments.dropFirst()) {
case []: break
case ["--help"], ["-h"]:
  say(usage)
  exit(0)
case let arguments:
  FileHandle.standardError.write(
    Data("LinearRegression: unexpected argument '\(arguments[0])'\n\(usage)\n".utf8))
  exit(2)
}

// 1. Data: 1,000 samples of (x1, x2) with y = 2·x1 + 3·x2 + N(0, 0.1²) noise; 200 held out.
let data = ToySequence.make(count: 1_000, seed: 1, as: Float.self)
let (trainingSet, validationSet) = data.split(trainingFraction: 0.8, seed: 2)

// 2. The model: one affine map from two inputs to one output, y = x·W + b.
let model = Graph<Float>("regression", seed: 3) {
  Affine(2, 1)
}

// 3. Train by minimising the mean squared error with SGD.
let trainer = Trainer(model, loss: .meanSquaredError, optimizer: SGD(learningRate: 0.1))
let history = try trainer.fit(trainingSet, validation: validationSet, epochs: 30, batchSize: 10)

// 4. The learned weights should be close to the true (2, 3), the bias close to 0.
let weights = model.parameters[0].variable.value.scalars
let bias = model.parameters[1].variable.value.scalars[0]
say("learned W = (\(format(weights[0])), \(format(weights[1])))   true W = (2, 3)")
say("learned b = \(format(bias))   true b = 0")
say("validation mean squared error: \(format(history.epochs.last?.validationLoss ?? .nan))")
say("(the noise alone has a mean squared error of 0.01)")

func format<T: BinaryFloatingPoint>(_ value: T) -> String {
  String(format: "%.4f", Double(value))
}
