import Foundation
import Testing

/// Runs the distributed check program, alone or under mpirun, with a time limit.
enum DistributedTestSupport {
  /// The `mpirun` on the PATH, if any.
  static let mpirun: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
      .map { $0.appendingPathComponent("mpirun") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// The check program built beside the test bundle (or in `.build/debug` of this package).
  static let checkProgram: URL? = {
    let name = "SwiftTensorDistributedCheck"
    var directories: [URL] = []
    if let executable = Bundle.main.executableURL {
      directories.append(executable.deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles {
      directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    directories.append(package.appendingPathComponent(".build/debug"))
    return directories.map { $0.appendingPathComponent(name) }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// Why the distributed tests cannot run here, or `nil` when they can.
  static let skipReason: String? = {
    if mpirun == nil {
      return "no mpirun on the PATH (install Open MPI: apt-get install openmpi-bin)"
    }
    if checkProgram == nil { return "SwiftTensorDistributedCheck was not built" }
    // The names the shim tries (SwiftTensorMPIShim's mpi_shim.c).
    let libraries = ["libmpi.so.40", "libmpi.so", "libmpich.so.12", "libmpi.so.12"]
    let loadable = libraries.contains { name in
      guard let handle = dlopen(name, RTLD_LAZY) else { return false }
      dlclose(handle)
      return true
    }
    if !loadable { return "no MPI library (\(libraries.joined(separator: ", "))) can be loaded" }
    // mpirun without its libraries (MPI hidden or half-installed) fails even to say its version.
    let probe = Process()
    probe.executableURL = mpirun
    probe.arguments = ["--version"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return "mpirun cannot be started" }
    probe.waitUntilExit()
    guard probe.terminationStatus == 0 else {
      return "mpirun --version failed (status \(probe.terminationStatus)): no usable MPI runtime"
    }
    return nil
  }()

  /// Why a distributed test was skipped, for the test report.
  static var skipComment: Comment { Comment(rawValue: skipReason ?? "") }

  /// Whether the distributed tests run; prints the reason once when they do not.
  static let available: Bool = {
    if let skipReason { print("Distributed tests skipped: \(skipReason)") }
    return skipReason == nil
  }()

  /// What a run printed and how it ended.
  struct Outcome {
    let status: Int32
    let output: String
    let timedOut: Bool
  }

  /// Runs the check program with `arguments`, under `mpirun -np processes` when `processes`
  /// is given, and kills it after `limit` seconds.
  static func run(
    _ arguments: [String], processes: Int?, environment extra: [String: String] = [:],
    limit: TimeInterval = 120
  ) throws -> Outcome {
    guard let program = checkProgram else { throw CocoaError(.fileNoSuchFile) }
    let process = Process()
    if let processes {
      guard let mpirun else { throw CocoaError(.fileNoSuchFile) }
      process.executableURL = mpirun
      process.arguments =
        ["--oversubscribe", "-np", String(processes), program.path, "--distributed"] + arguments
    } else {
      process.executableURL = program
      process.arguments = arguments
    }
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    environment["SWIFTTENSOR_NUM_THREADS"] = "1"
    // Under AddressSanitizer the MPI library's own allocations, alive at exit, are not ours.
    let sanitizer = environment["ASAN_OPTIONS"].map { $0 + ":" } ?? ""
    environment["ASAN_OPTIONS"] = sanitizer + "detect_leaks=0"
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let log = FileManager.default.temporaryDirectory
      .appendingPathComponent("swifttensor-mpi-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let deadline = Date().addingTimeInterval(limit)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    let timedOut = process.isRunning
    if timedOut {
      process.terminate()
      process.waitUntilExit()
    }
    try handle.close()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return Outcome(status: process.terminationStatus, output: output, timedOut: timedOut)
  }

  /// The largest `|a - b| / max(|a|, |b|, 10⁻³ · scale)` over the scalars of two
  /// checkpoints' tensors, `scale` being the largest magnitude in `a`'s tensor.
  ///
  /// The floor keeps the measure meaningful for the few weights that training has driven to
  /// almost zero: such a value is a cancellation, and a rounding difference of 1e-10 in a
  /// weight of 1e-5 (in a tensor whose weights reach 0.1) is no disagreement between the runs.
  static func maximumRelativeDifference(_ a: [String: [Double]], _ b: [String: [Double]]) -> Double
  {
    var worst = 0.0
    for (name, values) in a {
      let floor = 1e-3 * (values.map(abs).max() ?? 0)
      for (x, y) in zip(values, b[name] ?? []) where x != y {
        worst = max(worst, abs(x - y) / max(abs(x), abs(y), floor))
      }
    }
    return worst
  }
}
