// pytensor's README example: a multi-layer perceptron that reads handwritten digits.
//
//   swift run -c release Digits                      # pytensor's setting: SGD, batch 1, 40 epochs
//   swift run -c release Digits --optimizer adam --batch-size 64   # Adam, learning rate 0.02
//   swift run -c release Digits --precision double --epochs 10 --svg history.svg
//   swift run -c release Digits --tensorboard runs/digits   # then: tensorboard --logdir runs
//   swift run -c release Digits --help
//   mpirun -np 2 .build/release/Digits --distributed   # data-parallel over MPI (README)
import Foundation
import SwiftTensor

// 1. The options, with pytensor's defaults.
struct Options {
  var epochs = 40
  var batchSize = 1
  var optimizer = "sgd"
  var learningRate: Double?
  var precision = "float"
  var svgPath: String?
  var tensorboardDirectory: String?
  var seed: UInt64 = 0
  var distributed = false
  var showsHelp = false
}

/// The options and their defaults, for `--help` and after a mistake.
let usage = """
  usage: Digits [options]

  Trains a 64-30-10 perceptron on the 8x8 handwritten digits and prints one line per epoch.

  options:
    --epochs N               epochs to train (default 40)
    --batch-size N           samples per step (default 1)
    --optimizer sgd|adam     the optimiser (default sgd)
    --learning-rate X        step size (default 0.01 for sgd, 0.02 for adam)
    --precision float|double element type (default float)
    --svg FILE               write the loss and accuracy chart as SVG (default: none)
    --tensorboard DIR        log loss, accuracy, learning rate, gradient norm and histograms
                             for TensorBoard (`tensorboard --logdir DIR`; default: none)
    --seed N                 seed of initialisation and shuffling (default 0)
    --distributed            data-parallel over MPI; start with mpirun (default: off)
    --help                   print this and exit

  """

/// A command-line mistake: reported with the usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
}

func parseOptions(_ arguments: [String]) throws(UsageError) -> Options {
  var options = Options()
  var rest = arguments[...]
  func value(for flag: String) throws(UsageError) -> String {
    guard let value = rest.popFirst() else {
      throw UsageError(description: "\(flag) needs a value")
    }
    return value
  }
  func number<T: LosslessStringConvertible>(_ text: String, _ flag: String) throws(UsageError) -> T
  {
    guard let number = T(text) else {
      throw UsageError(description: "\(flag) expects a number, got '\(text)'")
    }
    return number
  }
  while let flag = rest.popFirst() {
    switch flag {
    case "--epochs": options.epochs = try number(try value(for: flag), flag)
    case "--batch-size": options.batchSize = try number(try value(for: flag), flag)
    case "--learning-rate": options.learningRate = try number(try value(for: flag), flag)
    case "--seed": options.seed = try number(try value(for: flag), flag)
    case "--svg": options.svgPath = try value(for: flag)
    case "--tensorboard": options.tensorboardDirectory = try value(for: flag)
    case "--help", "-h": options.showsHelp = true
    case "--distributed": options.distributed = true
    case "--optimizer":
      options.optimizer = try value(for: flag)
      guard ["sgd", "adam"].contains(options.optimizer) else {
        throw UsageError(description: "--optimizer must be sgd or adam, got '\(options.optimizer)'")
      }
    case "--precision":
      options.precision = try value(for: flag)
      guard ["float", "double"].contains(options.precision) else {
        throw UsageError(
          description: "--precision must be float or double, got '\(options.precision)'")
      }
    default: throw UsageError(description: "unknown option '\(flag)'")
    }
  }
  guard options.epochs > 0 else { throw UsageError(description: "--epochs must be positive") }
  guard options.batchSize > 0 else {
    throw UsageError(description: "--batch-size must be positive")
  }
  return options
}

// 2. The model, the data and the training loop, for either precision.
// With --distributed every process started by mpirun trains on its share of each batch and
// rank 0 alone prints; the gradients are averaged, so the batch size is the global one.
func train<Scalar: TensorScalar>(
  _: Scalar.Type, _ options: Options, over communicator: Communicator
) throws -> Double {
  let (trainingSet, testSet) = try Digits.load(as: Scalar.self)
  let isRoot = communicator.rank == 0
  if isRoot {
    print("digits: \(trainingSet.count) training and \(testSet.count) test images, 8x8 pixels")
  }

  // 64 pixels -> 30 sigmoid units -> 10 class scores, as in pytensor's README. The sigmoid is
  // fused into the first layer: the same model as `Affine(64, 30)` then `Sigmoid()`, with one
  // recorded operation fewer per step.
  let mlp = Graph<Scalar>("mlp", seed: options.seed) {
    Affine(64, 30, activation: .sigmoid)
    Affine(30, 10)
  }

  // Rank 0 alone logs: every process sees the same reduced loss and gradients.
  var callbacks: [any TrainingCallback] = []
  if let directory = options.tensorboardDirectory, isRoot {
    let writer = try SummaryWriter(directory: directory)
    try writer.addText(
      "options",
      "epochs \(options.epochs), batch size \(options.batchSize), optimizer \(options.optimizer), "
        + "precision \(options.precision), seed \(options.seed)", step: 0)
    callbacks.append(TensorBoardCallback(writer: writer, parameters: mlp.parameters))
    print("logging for TensorBoard to \(writer.path)")
  }

  let history: TrainingHistory
  if options.optimizer == "adam" {
    let optimizer = Adam<Scalar>(learningRate: Scalar(options.learningRate ?? 0.02))
    let trainer = Trainer(
      mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: optimizer, seed: options.seed)
    try trainer.distribute(over: communicator)
    history = try trainer.fit(
      trainingSet, validation: testSet, epochs: options.epochs, batchSize: options.batchSize,
      callbacks: callbacks)
  } else {
    let optimizer = SGD<Scalar>(learningRate: Scalar(options.learningRate ?? 0.01))
    let trainer = Trainer(
      mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: optimizer, seed: options.seed)
    try trainer.distribute(over: communicator)
    history = try trainer.fit(
      trainingSet, validation: testSet, epochs: options.epochs, batchSize: options.batchSize,
      callbacks: callbacks)
  }

  guard isRoot else { return history.epochs.last?.validationAccuracy ?? 0 }
  let seconds = history.epochs.map(\.seconds).sorted()[history.epochs.count / 2]
  print("median seconds per epoch (training + evaluation): \(String(format: "%.4f", seconds))")
  if let path = options.svgPath {
    try history.svg().write(toFile: path, atomically: true, encoding: .utf8)
    print("history chart written to \(path)")
  }
  return history.epochs.last?.validationAccuracy ?? 0
}

// 3. Run.
do {
  let options = try parseOptions(Array(CommandLine.arguments.dropFirst()))
  if options.showsHelp {
    print(usage, terminator: "")
    exit(0)
  }
  let communicator = options.distributed ? try Communicator.mpi() : .singleProcess
  let accuracy =
    options.precision == "double"
    ? try train(Double.self, options, over: communicator)
    : try train(Float.self, options, over: communicator)
  if communicator.rank == 0 { print("test accuracy: \(String(format: "%.4f", accuracy))") }
} catch let error as UsageError {
  FileHandle.standardError.write(Data("Digits: \(error)\n".utf8))
  FileHandle.standardError.write(Data(usage.utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("Digits: \(error)\n".utf8))
  exit(1)
}
