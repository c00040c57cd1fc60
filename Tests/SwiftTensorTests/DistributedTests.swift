import Foundation
import Testing

@testable import SwiftTensor

/// Data-parallel training over MPI: two processes against one, reproducibility, a failed rank.
/// Skipped, with the reason printed, where mpirun is missing.
@Suite(.serialized) struct DistributedTests {
  /// The parameters of a checkpoint the check program wrote, as doubles, by name.
  func parameters<T: TensorScalar>(_: T.Type, at url: URL) throws -> [String: [Double]] {
    let file = try SafeTensors(contentsOf: url)
    var result: [String: [Double]] = [:]
    for name in file.names where !name.hasPrefix("trainer/") && !name.hasPrefix("optimizer/") {
      result[name] = try file.tensor(named: name, as: T.self).scalars.map { Double($0) }
    }
    return result
  }

  /// The number after "training loss: " in the check program's output; NaN if none.
  func trainingLoss(_ output: String) -> Double {
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("training loss: ") })
    else { return .nan }
    return Double(line.dropFirst("training loss: ".count)) ?? .nan
  }

  func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory
      .appendingPathComponent("swifttensor-\(UUID().uuidString)-\(name).safetensors")
  }

  /// One process and two, same global batch (64, on 203 samples: the last batch is short),
  /// same steps: the same parameters up to `tolerance`, and two two-process runs agree exactly.
  func twoProcessesMatchOne<T: TensorScalar>(
    _: T.Type, precision: String, tolerance: Double
  ) throws {
    let (one, two, again) = (temporaryFile("one"), temporaryFile("two"), temporaryFile("again"))
    defer { for url in [one, two, again] { try? FileManager.default.removeItem(at: url) } }
    let arguments = ["--precision", precision]
    let alone = try DistributedTestSupport.run(
      arguments + ["--output", one.path], processes: nil)
    #expect(alone.status == 0, "\(alone.output)")
    for url in [two, again] {
      let run = try DistributedTestSupport.run(arguments + ["--output", url.path], processes: 2)
      #expect(run.status == 0 && !run.timedOut, "\(run.output)")
      #expect(run.output.contains("ranks: 2") && run.output.contains("steps: 8"), "\(run.output)")
      // The epoch's loss is the global batches' mean on every rank, as one process reports.
      let (single, both) = (trainingLoss(alone.output), trainingLoss(run.output))
      #expect(
        abs(single - both) <= tolerance * abs(single), "training loss \(single) and \(both)")
    }
    let reference = try parameters(T.self, at: one)
    let distributed = try parameters(T.self, at: two)
    #expect(reference.keys.sorted() == distributed.keys.sorted() && !reference.isEmpty)
    let difference = DistributedTestSupport.maximumRelativeDifference(reference, distributed)
    #expect(difference <= tolerance, "\(precision): max relative difference \(difference)")
    #expect(try parameters(T.self, at: again) == distributed, "two-process runs differ")
  }

  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func twoProcessesMatchOneInFloat() throws {
    try twoProcessesMatchOne(Float.self, precision: "float", tolerance: 1e-5)
  }

  /// Open MPI's shared-memory eager limit is raised to 32 KiB for the gradient buckets, unless
  /// the user set it (here through the variable `mpirun --mca` sets).
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func theEagerLimitIsRaisedUnlessSet() throws {
    let raised = try DistributedTestSupport.run(["--epochs", "1"], processes: 2)
    let kept = try DistributedTestSupport.run(
      ["--epochs", "1"], processes: 2,
      environment: ["OMPI_MCA_btl_vader_eager_limit": "8192"])
    for (run, limit) in [(raised, "32768"), (kept, "8192")] {
      #expect(run.status == 0, "\(run.output)")
      #expect(
        run.output.contains("MPICH") || run.output.contains("eager limit \(limit)"),
        "\(run.output)")
    }
  }

  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func twoProcessesMatchOneInDouble() throws {
    try twoProcessesMatchOne(Double.self, precision: "double", tolerance: 1e-12)
  }

  /// Gradients split over several buckets (256 bytes: the 64x30 weight alone takes eight)
  /// reduce as one bucket does.
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func severalBucketsMatchOneProcess() throws {
    let difference = try oneAgainstTwo(["--precision", "double", "--bucket-bytes", "256"])
    #expect(difference.count > 0 && difference.maximum <= 1e-12, "\(difference)")
  }

  /// Buffers are averaged across ranks: with the parameters frozen (learning rate 0), batch
  /// normalisation's running mean, updated from each share's mean, ends as one process's
  /// (the running variance does not: each rank's share has its own variance, as in PyTorch's
  /// data-parallel training without synchronised batch normalisation).
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func runningMeansAreAveragedAcrossRanks() throws {
    let difference = try oneAgainstTwo(
      ["--precision", "double", "--batch-norm", "--learning-rate", "0", "--samples", "256"],
      keys: { $0.hasSuffix("running_mean") })
    #expect(difference.count == 1 && difference.maximum <= 1e-12, "\(difference)")
  }

  /// The same with `momentum: nil`: the batch counter is averaged with the other buffers and
  /// stays the number of steps, and the plain average of the shares' means is one process's.
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func cumulativeRunningMeansAndTheirCounterMatchOneProcess() throws {
    let difference = try oneAgainstTwo(
      [
        "--precision", "double", "--batch-norm", "--cumulative", "--learning-rate", "0",
        "--samples", "256",
      ],
      keys: { $0.hasSuffix("running_mean") || $0.hasSuffix("num_batches_tracked") })
    #expect(difference.count == 2 && difference.maximum <= 1e-12, "\(difference)")
  }

  /// Runs the check program alone and on two processes with `arguments`; the largest relative
  /// difference over the checkpoint tensors whose names pass `keys`, and how many there were.
  func oneAgainstTwo(
    _ arguments: [String], keys: (String) -> Bool = { _ in true }
  ) throws -> (maximum: Double, count: Int) {
    let (one, two) = (temporaryFile("one"), temporaryFile("two"))
    defer { for url in [one, two] { try? FileManager.default.removeItem(at: url) } }
    _ = try DistributedTestSupport.run(arguments + ["--output", one.path], processes: nil)
    let run = try DistributedTestSupport.run(arguments + ["--output", two.path], processes: 2)
    #expect(run.status == 0 && !run.timedOut, "\(run.output)")
    let reference = try parameters(Double.self, at: one).filter { keys($0.key) }
    let distributed = try parameters(Double.self, at: two).filter { keys($0.key) }
    #expect(reference.keys.sorted() == distributed.keys.sorted())
    return (
      DistributedTestSupport.maximumRelativeDifference(reference, distributed), reference.count
    )
  }

  /// Three ranks, global batches of 2 on 7 samples: some ranks have no share of a batch.
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func ranksWithoutAShareStillMatchOneProcess() throws {
    let (one, three) = (temporaryFile("one"), temporaryFile("three"))
    defer { for url in [one, three] { try? FileManager.default.removeItem(at: url) } }
    let arguments = ["--precision", "double", "--samples", "7", "--batch-size", "2"]
    _ = try DistributedTestSupport.run(arguments + ["--output", one.path], processes: nil)
    let run = try DistributedTestSupport.run(arguments + ["--output", three.path], processes: 3)
    #expect(run.status == 0, "\(run.output)")
    let difference = DistributedTestSupport.maximumRelativeDifference(
      try parameters(Double.self, at: one), try parameters(Double.self, at: three))
    #expect(difference <= 1e-12, "max relative difference \(difference)")
  }

  /// A rank killed mid-run stops the job, with mpirun naming it, instead of a hang.
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func aKilledRankStopsTheJob() throws {
    let run = try DistributedTestSupport.run(
      ["--epochs", "4", "--kill-rank", "1"], processes: 2, limit: 60)
    #expect(!run.timedOut, "the job hung after a rank was killed:\n\(run.output)")
    #expect(run.status != 0)
    #expect(run.output.contains("rank 1"), "\(run.output)")
  }

  /// A rank that stops answering makes the others give up after SWIFTTENSOR_MPI_TIMEOUT.
  @Test(.enabled(if: DistributedTestSupport.available, DistributedTestSupport.skipComment))
  func aStalledRankTimesOut() throws {
    let run = try DistributedTestSupport.run(
      ["--epochs", "4", "--stall-rank", "1"], processes: 2,
      environment: ["SWIFTTENSOR_MPI_TIMEOUT": "2"], limit: 60)
    #expect(!run.timedOut, "the job hung after a rank stalled:\n\(run.output)")
    #expect(run.status != 0)
    #expect(run.output.contains("rank 0 waited more than 2.0 s in MPI_Allreduce"), "\(run.output)")
  }

  /// Asking for distributed training without an MPI library says what to install.
  @Test(.enabled(if: DistributedTestSupport.checkProgram != nil, "needs the check program"))
  func withoutMPITheMessageSaysWhatToInstall() throws {
    let run = try DistributedTestSupport.run(
      ["--distributed"], processes: nil,
      environment: ["SWIFTTENSOR_MPI_LIBRARY": "/nonexistent/libmpi.so"], limit: 60)
    #expect(run.status == 1)
    #expect(run.output.contains("needs an MPI library"), "\(run.output)")
    #expect(run.output.contains("install Open MPI"), "\(run.output)")
  }
}
