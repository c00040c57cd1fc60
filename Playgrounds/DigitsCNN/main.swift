// A small convolutional network that reads the bundled 8x8 handwritten digits.
//
//   swift run -c release DigitsCNN                     # 30 epochs of Adam (0.01, cosine decay), batch 64
//   swift run -c release DigitsCNN --epochs 10 --learning-rate 0.005 --seed 3
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The options: epochs, learning rate, batch size and seed.
struct Options {
  var epochs = 30
  var learningRate = 0.01
  var batchSize = 64
  var seed: UInt64 = 0
}

let usage = """
  usage: DigitsCNN [--epochs N] [--learning-rate X] [--batch-size N] [--seed N]
    --epochs N         epochs of training (default 30)
    --learning-rate X  Adam's initial learning rate, decayed to 0 by a cosine (default 0.01)
    --batch-size N     images per batch (default 64)
    --seed N           seed of the parameters and the shuffling (default 0)
    --help             this text
  """

/// A command-line mistake: reported with the usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
}

/// The options, or `nil` for `--help`.
func parseOptions(_ arguments: [String]) throws(UsageError) -> Options? {
  var options = Options()
  var rest = arguments[...]
  func number<T: LosslessStringConvertible>(for flag: String) throws(UsageError) -> T {
    guard let text = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
    guard let value = T(text) else {
      throw UsageError(description: "\(flag) expects a number, got '\(text)'")
    }
    return value
  }
  while let flag = rest.popFirst() {
    switch flag {
    case "--help", "-h": return nil
    case "--epochs": options.epochs = try number(for: flag)
    case "--learning-rate": options.learningRate = try number(for: flag)
    case "--batch-size": options.batchSize = try number(for: flag)
    case "--seed": options.seed = try number(for: flag)
    default: throw UsageError(description: "unknown option '\(flag)'")
    }
  }
  guard options.epochs > 0, options.batchSize > 0, options.learningRate > 0 else {
    throw UsageError(description: "epochs, batch size and learning rate must be positive")
  }
  return options
}

func train(_ options: Options) throws -> Double {
  let (trainingSet, testSet) = try Digits.load(as: Float.self)
  say("digits: \(trainingSet.count) training and \(testSet.count) test images, 8x8 pixels")

  // Two 3x3 convolutions, each followed by relu and a 2x2 max pooling (8x8 -> 4x4 -> 2x2),
  // then a linear read-out of the 32 x 2 x 2 features. The relu is computed inside each
  // convolution: the same values and gradients as `Conv2D` followed by `Relu()`, with one
  // recorded operation and one pass over the output fewer.
  let cnn = Graph<Float>("cnn", seed: options.seed, inputShape: [64]) {
    ReshapeLayer([1, 8, 8])
    Conv2D(1, 16, kernelSize: 3, padding: 1, activation: .relu)
    MaxPool2D(kernelSize: 2)
    Conv2D(16, 32, kernelSize: 3, padding: 1, activation: .relu)
    MaxPool2D(kernelSize: 2)
    Flatten()
    Affine(128, 10)
  }
  say(cnn.summary(inputShape: [64]).description)

  let stepsPerEpoch = (trainingSet.count + options.batchSize - 1) / options.batchSize
  let trainer = Trainer(
    cnn, loss: SoftmaxCrossEntropyLoss(), optimizer: Adam(learningRate: 1e-3), seed: options.seed)
  // Cosine decay to zero over the run: the last epochs refine rather than jump around.
  trainer.schedule = CosineDecay(
    initial: options.learningRate, totalSteps: options.epochs * stepsPerEpoch)
  let history = try trainer.fit(
    trainingSet, validation: testSet, epochs: options.epochs, batchSize: options.batchSize)

  let seconds = history.epochs.map(\.seconds).sorted()[history.epochs.count / 2]
  say("median seconds per epoch (training + evaluation): \(String(format: "%.4f", seconds))")
  say("training samples per second: \(Int(Double(trainingSet.count) / seconds))")
  return history.epochs.last?.validationAccuracy ?? 0
}

do {
  guard let options = try parseOptions(Array(CommandLine.arguments.dropFirst())) else {
    say(usage)
    exit(0)
  }
  let accuracy = try train(options)
  say("test accuracy: \(String(format: "%.4f", accuracy))")
} catch let error as UsageError {
  FileHandle.standardError.write(Data("DigitsCNN: \(error)\n\(usage)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("DigitsCNN: \(error)\n".utf8))
  exit(1)
}
