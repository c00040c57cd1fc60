// The program the distributed tests start with mpirun: a few steps of the digits MLP on a
// slice of the training set whose size is no multiple of the batch (so the last global batch
// is short), then the parameters written to a checkpoint by rank 0.
//
//   SwiftTensorDistributedCheck --output one.safetensors                 # one process
//   mpirun -np 2 SwiftTensorDistributedCheck --distributed --output two.safetensors
//
// --kill-rank R makes rank R kill itself (SIGKILL) at the end of the first epoch, and
// --stall-rank R makes it sleep instead, to test that the job stops rather than hangs.
// --throughput prints the training samples per second over the whole training set (no
// validation; --repeat N makes an epoch N passes over it), of pytensor's 64-30-10 MLP, or
// with --wide of the 64-256-256-10 relu MLP with Adam 1e-3 that the speed benchmarks use
// (with --lstm, the character LSTM's tokens per second: RecurrentThroughput.swift);
// --bandwidth the allreduce bandwidth for buffers of 4 KiB to 64 MiB. --batch-norm puts batch
// normalisation (running statistics: buffers; --cumulative: their plain average, with a batch
// counter) after the first layer, --learning-rate R sets SGD's rate (0.1), and --bucket-bytes
// N the gradient buckets' size (small: several buckets).
import Foundation
import SwiftTensor

struct Options {
  var precision = "float"
  var samples = 203
  var batchSize = 64
  var batchSizeGiven = false
  var lstm = false
  var epochs = 2
  var distributed = false
  var output: String?
  var killRank: Int?
  var stallRank: Int?
  var throughput = false
  var wide = false
  var bandwidth = false
  var batchNorm = false
  var cumulative = false
  var bucketBytes: Int?
  var learningRate = 0.1
  var repeats = 1
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
    case "--batch-size":
      options.batchSize = integer(flag)
      options.batchSizeGiven = true
    case "--lstm": options.lstm = true
    case "--epochs": options.epochs = integer(flag)
    case "--distributed": options.distributed = true
    case "--output": options.output = value(flag)
    case "--kill-rank": options.killRank = integer(flag)
    case "--stall-rank": options.stallRank = integer(flag)
    case "--throughput": options.throughput = true
    case "--wide": options.wide = true
    case "--bandwidth": options.bandwidth = true
    case "--batch-norm": options.batchNorm = true
    case "--cumulative": options.cumulative = true
    case "--repeat": options.repeats = max(1, integer(flag))
    case "--learning-rate":
      let text = value(flag)
      guard let rate = Double(text), rate >= 0 else { fail("--learning-rate: '\(text)'") }
      options.learningRate = rate
    case "--bucket-bytes": options.bucketBytes = max(1, integer(flag))
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
    if options.batchNorm {
      Affine(64, 30)
      BatchNorm(channels: 30, momentum: options.cumulative ? nil : 0.1)
      Sigmoid()
    } else {
      Affine(64, 30, activation: .sigmoid)
    }
    Affine(30, 10)
  }
  let trainer = Trainer(
    mlp, loss: SoftmaxCrossEntropyLoss(),
    optimizer: SGD<Scalar>(learningRate: Scalar(options.learningRate)), seed: 3)
  trainer.reportsProgress = false
  if let bytes = options.bucketBytes {
    try trainer.distribute(over: communicator, bucketBytes: bytes)
  } else {
    try trainer.distribute(over: communicator)
  }
  let history = try trainer.fit(
    slice, validation: test, epochs: options.epochs, batchSize: options.batchSize,
    callbacks: [Sabotage(rank: communicator.rank, options: options)])
  guard communicator.rank == 0 else { return }
  let last = history.epochs.last
  print("ranks: \(communicator.size)")
  if case .mpi(let family, _) = communicator.backend {
    // What SwiftTensor left Open MPI's shared-memory transport (set before MPI_Init).
    let limit = getenv("OMPI_MCA_btl_vader_eager_limit").map { String(cString: $0) } ?? "unset"
    print("MPI: \(family), shared-memory eager limit \(limit)")
  }
  print("steps: \(trainer.step)")
  print("training loss: \(last?.trainingLoss ?? .nan)")
  print("validation accuracy: \(last?.validationAccuracy ?? .nan)")
  if let output = options.output {
    try trainer.saveCheckpoint(to: URL(fileURLWithPath: output))
  }
}

/// Trains on the whole training set (`--repeat` times over per epoch, so that an epoch's fixed
/// costs weigh as in a larger data set) and prints the samples per second of the median and
/// the fastest epoch.
func throughput(_ options: Options) throws {
  let communicator = options.distributed ? try Communicator.mpi() : .singleProcess
  let (digits, _) = try Digits.load(as: Float.self)
  let training = digits.subset(
    (0..<options.repeats).flatMap { _ in Array(0..<digits.count) })
  let history: TrainingHistory
  if options.wide {
    let mlp = Graph<Float>("mlp", seed: 7) {
      Affine(64, 256, activation: .relu)
      Affine(256, 256, activation: .relu)
      Affine(256, 10)
    }
    let trainer = Trainer(
      mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: Adam<Float>(learningRate: 1e-3), seed: 3)
    trainer.reportsProgress = false
    try trainer.distribute(over: communicator)
    history = try trainer.fit(training, epochs: options.epochs, batchSize: options.batchSize)
  } else {
    let mlp = Graph<Float>("mlp", seed: 7) {
      Affine(64, 30, activation: .sigmoid)
      Affine(30, 10)
    }
    let trainer = Trainer(
      mlp, loss: SoftmaxCrossEntropyLoss(), optimizer: SGD<Float>(learningRate: 0.1), seed: 3)
    trainer.reportsProgress = false
    try trainer.distribute(over: communicator)
    history = try trainer.fit(training, epochs: options.epochs, batchSize: options.batchSize)
  }
  let seconds = history.epochs.map(\.seconds).sorted()
  guard communicator.rank == 0, let fastest = seconds.first else { return }
  let median = seconds[seconds.count / 2]
  print(
    "processes \(communicator.size), batch \(options.batchSize): "
      + "\(Int(Double(training.count) / median)) samples/s (median of \(options.epochs) epochs; "
      + "fastest \(Int(Double(training.count) / fastest)))")
}

/// Prints the bandwidth of in-place float allreduces, from 4 KiB to 64 MiB (best of several).
func bandwidth(_ options: Options) throws {
  let communicator = try Communicator.mpi()
  var bytes = 4096
  while bytes <= 64 << 20 {
    var buffer = [Float](repeating: 1, count: bytes / 4)
    let repeats = max(3, min(200, (256 << 20) / bytes))
    var best = Double.infinity
    for _ in 0..<repeats {
      try communicator.barrier()
      let start = DispatchTime.now().uptimeNanoseconds
      try communicator.allreduceSum(&buffer)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    if communicator.rank == 0 {
      print("allreduce \(bytes / 1024) KiB: \(best * 1e6) us, \(Double(bytes) / best / 1e9) GB/s")
    }
    bytes *= 4
  }
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
do {
  if options.bandwidth {
    try bandwidth(options)
  } else if options.throughput && options.lstm {
    try recurrentThroughput(options)
  } else if options.throughput {
    try throughput(options)
  } else if options.precision == "double" {
    try run(Double.self, options)
  } else {
    try run(Float.self, options)
  }
} catch {
  FileHandle.standardError.write(Data("SwiftTensorDistributedCheck: \(error)\n".utf8))
  exit(1)
}
