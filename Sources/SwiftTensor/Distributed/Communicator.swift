import Foundation
import SwiftTensorMPIShim

/// The processes of a data-parallel job and the collective operations between them: a single
/// process, or every process `mpirun` or `srun` started, over MPI.
///
/// `Communicator.fromEnvironment()` gives the MPI communicator when the program was started by
/// an MPI launcher with more than one process, and `Communicator.singleProcess` otherwise, so
/// the same program runs with and without MPI. MPI (Open MPI, or MPICH and its derivatives) is
/// loaded at run time; SwiftTensor never links it. Collectives are called from one thread at a
/// time, in the same order on every rank.
///
/// ```swift
/// let world = try Communicator.fromEnvironment()
/// var gradient = Tensor<Float>(ones: [4])
/// try world.allreduceAverage(&gradient)
/// if world.rank == 0 { print(gradient) }
/// ```
public final class Communicator: Sendable {
  /// What carries the messages.
  public enum Backend: Equatable, Sendable {
    /// One process, no messages: every collective returns its input.
    case singleProcess
    /// An MPI library of `family` ("Open MPI" or "MPICH"), opened as `library`.
    case mpi(family: String, library: String)
  }

  /// This process's index, in `0..<size`; rank 0 prints and writes checkpoints.
  public let rank: Int
  /// The number of processes.
  public let size: Int
  /// What carries the messages.
  public let backend: Backend

  private init(rank: Int, size: Int, backend: Backend) {
    self.rank = rank
    self.size = size
    self.backend = backend
  }

  /// The communicator of a program that runs alone: rank 0 of 1.
  public static let singleProcess = Communicator(rank: 0, size: 1, backend: .singleProcess)

  /// Whether there is more than one process.
  public var isDistributed: Bool { size > 1 }

  /// The MPI communicator of every process of the job (MPI_COMM_WORLD), initialising MPI on
  /// first use; later calls return the same communicator.
  ///
  /// The library is `SWIFTTENSOR_MPI_LIBRARY` when set, otherwise the first of `libmpi.so.40`,
  /// `libmpi.so`, `libmpich.so.12` and `libmpi.so.12` that the dynamic loader finds. Errors are
  /// returned, not fatal (MPI_ERRORS_RETURN), and MPI is finalised when the process exits. A
  /// collective that waits longer than `SWIFTTENSOR_MPI_TIMEOUT` seconds (300 by default; 0
  /// waits forever) stops the process with a message naming it, and `mpirun` then stops the
  /// others: a failed peer does not leave the job hanging.
  ///
  /// - Throws: `DistributedError.libraryNotFound` (with how to install Open MPI) or
  ///   `.mpiFailure` when MPI cannot be initialised.
  public static func mpi() throws(DistributedError) -> Communicator {
    try world.get()
  }

  /// `mpi()` when an MPI launcher started more than one process (see `launcherSize(in:)`; a
  /// launcher that sets only `PMIX_RANK` or `PMI_RANK` counts as one), otherwise
  /// `singleProcess` without loading MPI.
  ///
  /// - Throws: `DistributedError` when the launcher asked for several processes and MPI cannot
  ///   be loaded or initialised, or its variables are malformed.
  public static func fromEnvironment() throws(DistributedError) -> Communicator {
    let environment = ProcessInfo.processInfo.environment
    if let size = try launcherSize(in: environment) { return size > 1 ? try mpi() : singleProcess }
    // A PMI or PMIx launcher that does not export the size: MPI knows it.
    let launched = environment["PMIX_RANK"] != nil || environment["PMI_RANK"] != nil
    return launched ? try mpi() : singleProcess
  }

  private static let world: Result<Communicator, DistributedError> = {
    let environment = ProcessInfo.processInfo.environment
    var message = [CChar](repeating: 0, count: 512)
    let path = environment["SWIFTTENSOR_MPI_LIBRARY"]
    if swifttensor_mpi_load(path, &message, message.count) != 0 {
      return .failure(.libraryNotFound(reason: decode(message)))
    }
    let timeout = environment["SWIFTTENSOR_MPI_TIMEOUT"].flatMap(Double.init) ?? 300
    swifttensor_mpi_set_timeout(timeout)
    do throws(DistributedError) {
      try check(swifttensor_mpi_initialize(), "MPI_Init_thread")
      atexit { _ = swifttensor_mpi_finalize() }
      var (rank, size): (Int32, Int32) = (0, 0)
      try check(swifttensor_mpi_rank(&rank), "MPI_Comm_rank")
      try check(swifttensor_mpi_size(&size), "MPI_Comm_size")
      let backend = Backend.mpi(
        family: String(cString: swifttensor_mpi_family()),
        library: String(cString: swifttensor_mpi_library()))
      return .success(Communicator(rank: Int(rank), size: Int(size), backend: backend))
    } catch {
      return .failure(error)
    }
  }()

  /// Throws `.mpiFailure` with MPI's description when `status` is not success.
  static func check(_ status: Int32, _ function: String) throws(DistributedError) {
    guard status != 0 else { return }
    var message = [CChar](repeating: 0, count: 1024)
    swifttensor_mpi_error_string(status, &message, message.count)
    throw .mpiFailure(function: function, code: status, message: decode(message))
  }

  private static func decode(_ characters: [CChar]) -> String {
    String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The number of processes an MPI launcher started, read from the variables it sets
  /// (`OMPI_COMM_WORLD_SIZE` for Open MPI's `mpirun`, `PMI_SIZE` for MPICH's and Intel MPI's,
  /// `PMIX_SIZE`, and `SLURM_NTASKS` with `SLURM_PROCID` for `srun`); `nil` when none is set.
  ///
  /// - Throws: `DistributedError.invalidEnvironment` for a value that is not a count.
  public static func launcherSize(
    in environment: [String: String]
  ) throws(DistributedError)
    -> Int?
  {
    for variable in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"] {
      if let value = environment[variable] { return try count(value, variable) }
    }
    if environment["SLURM_PROCID"] != nil, let value = environment["SLURM_NTASKS"] {
      return try count(value, "SLURM_NTASKS")
    }
    return nil
  }

  private static func count(_ value: String, _ variable: String) throws(DistributedError) -> Int {
    guard let number = Int(value), number >= 0 else {
      throw .invalidEnvironment(variable: variable, value: value)
    }
    return number
  }

  /// Waits until every rank has called `barrier()`.
  ///
  /// - Throws: `DistributedError.mpiFailure`.
  public func barrier() throws(DistributedError) {
    guard isDistributed else { return }
    try Self.check(swifttensor_mpi_barrier(), "MPI_Barrier")
  }

  /// Stops every process of the job after printing `message` to standard error (MPI_Abort);
  /// for a failure after which the ranks can no longer agree, such as a failed collective in
  /// the middle of a training step.
  public func abort(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("SwiftTensor (rank \(rank) of \(size)): \(message)\n".utf8))
    if isDistributed { swifttensor_mpi_abort(code) }
    exit(code)
  }
}
