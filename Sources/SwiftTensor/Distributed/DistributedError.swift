/// Why a communicator could not be created or a collective operation failed.
public enum DistributedError: Error, Equatable, Sendable {
  /// No MPI library could be loaded; `reason` says what was tried.
  case libraryNotFound(reason: String)
  /// An MPI function returned an error code; `message` is MPI's description of it.
  case mpiFailure(function: String, code: Int32, message: String)
  /// A rank outside `0..<size` was given as the root of a broadcast.
  case invalidRoot(root: Int, size: Int)
  /// The launcher's environment variables hold a value that is not a count or a rank.
  case invalidEnvironment(variable: String, value: String)
  /// The element type has no MPI counterpart; collectives move `Float` and `Double`.
  case unsupportedScalar(type: String)
}

extension DistributedError: CustomStringConvertible {
  /// A one-line explanation, naming what to install or set when that is the fix.
  public var description: String {
    switch self {
    case .libraryNotFound(let reason):
      "distributed training needs an MPI library, and none was found (\(reason)); install Open "
        + "MPI (Debian or Ubuntu: apt-get install openmpi-bin; macOS: brew install open-mpi) and "
        + "start the program with mpirun, or name the library in SWIFTTENSOR_MPI_LIBRARY"
    case .mpiFailure(let function, let code, let message):
      "\(function) failed with MPI error \(code): \(message)"
    case .invalidRoot(let root, let size):
      "broadcast root \(root) is not a rank of this communicator (ranks 0..<\(size))"
    case .invalidEnvironment(let variable, let value):
      "the launcher set \(variable)='\(value)', which is not a non-negative integer"
    case .unsupportedScalar(let type):
      "MPI collectives move Float and Double values, not \(type)"
    }
  }
}
