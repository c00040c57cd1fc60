// The program the distributed tests start with mpirun: a few steps of the digits MLP on a
// slice of the training set whose size is no multiple of the batch (so the last global batch
// is short), then the parameters written to a checkpoint by rank 0.
//
//   SwiftTensorDistributedCheck --output one.safetensors                 # one process
//   mpirun -np 2 SwiftTensorDistributedCheck --distributed --output two.safetensors
//
// --kill-rank R makes rank R kill itself (SIGKILL) at the end of the first epoch, and
// --stall-rank R makes it sleep instead, to test that the job stops rather than hangs.
import Foundation
import SwiftTensor

struct Options {
  var precision = "float"
  var samples = 203
  var batchSize = 64
  var epochs = 2
  var distributed = false
  var output: String?
  var killRank: Int?
  var stallRank: Int?
}

func parse(_ arguments: [String]) -> Options {
  var options = Options()
  var rest = arguments[...]
  func value(_ flag: String) -> String {
    guard let value = rest.popFirst() else { fail("\(flag) needs a value") }
    return value
  }
  func integer(_ flag: String) -> Int {
    let text = value(flag)
    guard let number = Int(text), number >= 0 else { fail("\(flag): '\(text)' is not a count") }
    return number
  }
  while let flag = rest.popFirst() {
    switch flag {
    case "--precision": options.precision = value(flag)
    case "--samples": options.samples = integer(flag)
    case "--batch-size": options.batchSize = integer(flag)
    case "--epochs": options.epochs = integer(flag)
    case "--distributed": options.distributed = true
    case "--output": options.output = value(flag)
    case "--kill-rank": options.killRank = integer(flag)
    case "--stall-rank": options.stallRank = integer(flag)
    default: fail("unknown option '\(flag)'")
    }
  }
  return options
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("SwiftTensorDistributedCheck: \(message)\n".utf8))
  exit(2)
}

/// Kills or stalls one rank at the end of the first epoch.
struct Sabotage: TrainingCallback {
  let rank: Int
  let options: Options

  mutating func epochEnded(_ record: EpochRecord) throws -> Bool {
    if record.epoch == 1 && options.killRank == rank { kill(getpid(), SIGKILL) }
    if record.epoch == 1 && options.stallRank == rank { sleep(600) }
    return true
  }
}

func run<Scalar: TensorScalar>(_: Scalar.Type, _ options: Options) throws {
  let communicator = options.distributed ? try Communicator.mpi() : .singleProcess
  let (training, test) = try Digits.load(as: Scalar.self)
  let slice = training.subset(Array(0..<min(options.samples, training.count)))
  let mlp = Graph<Scalar>("mlp", seed: 7) {
    Affine(64, 30, activation: .sigmoid)
    Affine(30, 10)
  }
  let trainer = Trainer(
    mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: SGD<Scalar>(learningRate: 0.1), seed: 3)
  trainer.reportsProgress = false
  try trainer.distribute(over: communicator)
  let history = try trainer.fit(
    slice, validation: test, epochs: options.epochs, batchSize: options.batchSize,
    callbacks: [Sabotage(rank: communicator.rank, options: options)])
  guard communicator.rank == 0 else { return }
  let last = history.epochs.last
  print("ranks: \(communicator.size)")
  print("steps: \(trainer.step)")
  print("training loss: \(last?.trainingLoss ?? .nan)")
  print("validation accuracy: \(last?.validationAccuracy ?? .nan)")
  if let output = options.output {
    try trainer.saveCheckpoint(to: URL(fileURLWithPath: output))
  }
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
do {
  if options.precision == "double" {
    try run(Double.self, options)
  } else {
    try run(Float.self, options)
  }
} catch {
  FileHandle.standardError.write(Data("SwiftTensorDistributedCheck: \(error)\n".utf8))
  exit(1)
}
