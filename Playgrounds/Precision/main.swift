// One model, trained in Float and in Double by changing one type: how much does precision
// change the result?
//
//   swift run -c release Precision
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let usage = """
  usage: Precision [--help]
  Trains the digits MLP for 10 epochs in Float and in Double (SGD, learning
  rate 0.05, batch size 8, seed 7) and compares the two.
  It takes no options.
  """
switch Array(CommandLine.arguments.dropFirst()) {
case []: break
case ["--help"], ["-h"]:
  say(usage)
  exit(0)
case let arguments:
  FileHandle.standardError.write(
    Data("Precision: unexpected argument '\(arguments[0])'\n\(usage)\n".utf8))
  exit(2)
}

/// Trains the digits MLP for a few epochs in `Scalar` and returns its test accuracy, loss, and
/// the model's outputs on the first test images.
func run<Scalar: TensorScalar>(
  _: Scalar.Type
) throws -> (
  accuracy: Double, loss: Double, logits: [Double], seconds: Double
) {
  let (trainingSet, testSet) = try Digits.load(as: Scalar.self)
  let mlp = Graph<Scalar>("mlp", seed: 7) {
    Affine(64, 30)
    Sigmoid()
    Affine(30, 10)
  }
  let trainer = Trainer(mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: SGD(learningRate: 0.05))
  trainer.reportsProgress = false
  let history = try trainer.fit(
    trainingSet, validation: testSet, epochs: 10, batchSize: 8)
  let last = history.epochs.last
  let logits = mlp.predict(testSet.subset([0]).inputs).scalars.map(Double.init)
  return (
    last?.validationAccuracy ?? 0, last?.validationLoss ?? .nan, logits,
    history.epochs.reduce(0) { $0 + $1.seconds }
  )
}

// The same code, the same seed, two precisions.
let single = try run(Float.self)
let double = try run(Double.self)

say("                  Float          Double")
say("test accuracy     \(f(single.accuracy))       \(f(double.accuracy))")
say("test loss         \(f(single.loss))       \(f(double.loss))")
say("seconds, 10 epochs \(f(single.seconds))      \(f(double.seconds))")
let gap = zip(single.logits, double.logits).map { Swift.abs($0 - $1) }.max() ?? 0
say("largest difference between the two models' logits on a test image: \(gap)")
say("(Float keeps about 7 significant digits; after 10 epochs of rounding the two runs")
say(" differ in the last digits, and their predictions agree.)")

func f(_ value: Double) -> String { String(format: "%.6f", value) }
