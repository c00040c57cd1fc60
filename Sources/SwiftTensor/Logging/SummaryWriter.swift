import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a `SummaryWriter` could not create or append to its event file.
public enum SummaryWriterError: Error, Equatable, CustomStringConvertible {
  /// The log directory (or one of its parents) could not be created.
  case cannotCreateDirectory(path: String, reason: String)
  /// The event file could not be created in the log directory (not writable, say).
  case cannotCreateFile(path: String, reason: String)
  /// Appending an event failed (disk full, the file system went away).
  case cannotWrite(path: String, reason: String)
  /// The writer was closed before this call.
  case closed(path: String)

  /// A sentence naming the path and the system's reason.
  public var description: String {
    switch self {
    case .cannotCreateDirectory(let path, let reason):
      "SummaryWriter: cannot create the directory '\(path)': \(reason)"
    case .cannotCreateFile(let path, let reason):
      "SummaryWriter: cannot create the event file '\(path)': \(reason)"
    case .cannotWrite(let path, let reason):
      "SummaryWriter: cannot write to '\(path)': \(reason)"
    case .closed(let path): "SummaryWriter: '\(path)' was already closed"
    }
  }
}

/// Writes TensorBoard event files: scalars, histograms and text that `tensorboard --logdir`
/// shows as they are written.
///
/// Creating a writer creates the directory if needed and a new file
/// `events.out.tfevents.<seconds>.<host>` in it (with a `.1`, `.2`… suffix if that name is
/// taken), whose first event is the file version `brain.Event:2`. Every event is one TFRecord
/// (length, masked CRC-32C of the length, the `Event` message, masked CRC-32C of the message)
/// handed to the operating system as soon as it is added, so a crash of the program loses
/// nothing already added; `flush()` also asks the system to put the file on disk.
///
/// ```swift
/// let writer = try SummaryWriter(directory: "runs/digits")
/// try writer.addScalar("loss", 0.42, step: 100)
/// try writer.addHistogram("affine_0/W", model.parameters[0].variable.value, step: 100)
/// ```
///
/// A writer is not safe to share between threads.
public final class SummaryWriter {
  /// The directory TensorBoard is pointed at.
  public let directory: String
  /// The event file this writer appends to.
  public let path: String
  /// The wall time (seconds since 1970) stamped on events that are not given one.
  private let clock: () -> Double
  private var descriptor: Int32

  /// Creates the directory if needed and a new event file in it.
  ///
  /// - Parameters:
  ///   - directory: where the event file is created (with its missing parents), the directory
  ///     TensorBoard's `--logdir` (or one of its subdirectories) names.
  ///   - clock: the wall time of events added without one, and of the file name; the system
  ///     clock by default (tests inject a fixed time).
  /// - Throws: `SummaryWriterError` when the directory or the file cannot be created.
  public init(
    directory: String, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }
  ) throws(SummaryWriterError) {
    self.directory = directory
    self.clock = clock
    try Self.makeDirectories(directory)
    let now = clock()
    let seconds = now.isFinite && Swift.abs(now) < 1e18 ? Int64(now.rounded(.down)) : 0
    let base = directory + "/events.out.tfevents.\(seconds).\(Self.hostName())"
    var (candidate, attempt) = (base, 0)
    while true {
      let opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
      if opened >= 0 {
        descriptor = opened
        break
      }
      guard errno == EEXIST || errno == EINTR else {
        throw .cannotCreateFile(path: candidate, reason: String(cString: strerror(errno)))
      }
      if errno == EEXIST { attempt += 1 }
      candidate = attempt == 0 ? base : base + ".\(attempt)"
    }
    path = candidate
    var event = ProtocolBufferEncoder()
    event.double(1, now)
    event.string(3, "brain.Event:2")
    try append(event.bytes)
  }

  deinit { if descriptor >= 0 { _ = closeDescriptor(descriptor) } }

  /// Asks the system to put everything added so far on disk (`fsync`), so that even a crash of
  /// the machine keeps it.
  ///
  /// - Throws: `SummaryWriterError.cannotWrite` or `.closed`.
  public func flush() throws(SummaryWriterError) {
    guard descriptor >= 0 else { throw .closed(path: path) }
    guard fsync(descriptor) == 0 else { throw writeFailure() }
  }

  /// Flushes and closes the file; later calls to add events throw `.closed`.
  ///
  /// - Throws: `SummaryWriterError.cannotWrite` when the final flush fails.
  public func close() throws(SummaryWriterError) {
    guard descriptor >= 0 else { return }
    defer {
      _ = closeDescriptor(descriptor)
      descriptor = -1
    }
    try flush()
  }

  /// Appends one event: the wall time, the step and a summary message built by `summary`.
  func addEvent(
    step: Int, wallTime: Double?, summary: (inout ProtocolBufferEncoder) -> Void
  ) throws(SummaryWriterError) {
    var event = ProtocolBufferEncoder()
    event.double(1, wallTime ?? clock())
    event.int64(2, Int64(step))
    event.message(5, summary)
    try append(event.bytes)
  }

  /// Writes `data` as one TFRecord with a single system call.
  private func append(_ data: [UInt8]) throws(SummaryWriterError) {
    guard descriptor >= 0 else { throw .closed(path: path) }
    var header = ProtocolBufferEncoder()
    header.appendLittleEndian(UInt64(data.count))
    var record = header.bytes
    var crc = ProtocolBufferEncoder()
    crc.appendLittleEndian(CRC32C.masked(header.bytes))
    record += crc.bytes
    record += data
    crc = ProtocolBufferEncoder()
    crc.appendLittleEndian(CRC32C.masked(data))
    record += crc.bytes
    var written = 0
    while written < record.count {
      let result = record.withUnsafeBytes { raw in
        posixWrite(descriptor, raw.baseAddress.map { $0 + written }, raw.count - written)
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw writeFailure()
      }
      written += result
    }
  }

  private func writeFailure() -> SummaryWriterError {
    .cannotWrite(path: path, reason: String(cString: strerror(errno)))
  }

  /// `mkdir -p`: creates each missing component of `directory`.
  private static func makeDirectories(_ directory: String) throws(SummaryWriterError) {
    var prefix = directory.hasPrefix("/") ? "/" : ""
    for component in directory.split(separator: "/") {
      prefix += component
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw .cannotCreateDirectory(path: prefix, reason: String(cString: strerror(errno)))
      }
      prefix += "/"
    }
    var status = stat()
    guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
      throw .cannotCreateDirectory(path: directory, reason: "it exists and is not a directory")
    }
  }

  /// The machine's name, as TensorBoard's own writers put it in file names.
  private static func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
    let host = String(
      decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return host.isEmpty ? "localhost" : host.replacingOccurrences(of: "/", with: "_")
  }
}

/// POSIX `write`; a free function because the writer's methods would hide it.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}

/// POSIX `close`; a free function because `SummaryWriter.close()` hides it.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
  close(descriptor)
}
