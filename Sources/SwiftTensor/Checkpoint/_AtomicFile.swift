import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads and atomic replacement with POSIX calls, so every failure is reported with
/// the path and `strerror`'s words rather than a Foundation error code.
enum AtomicFile {
  /// Temporaries older than this are stale even when their process id is alive again (ids are
  /// reused), since a save writes continuously until it renames.
  static let staleAge: TimeInterval = 600

  /// The file's bytes.
  static func read(_ path: String) throws(CheckpointError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(path, "open the file for reading") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(path, "read")
      }
      if count == 0 { return bytes }
      bytes.append(contentsOf: chunk[0..<count])
    }
  }

  /// Replaces the file at `path` with `bytes`: readers see the old file or the whole new one.
  ///
  /// A symbolic link at `path` is followed (its target is replaced, the link stays). The
  /// bytes go to a temporary file next to the target, flushed, given the target's permission
  /// bits, renamed over it, and the directory is flushed so the rename survives a crash. The
  /// temporary is removed on every failure; temporaries of earlier saves to the same target
  /// whose process has died (a `kill -9`) are removed after the rename.
  static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
    let target = resolvingLinks(path)
    let slash = target.lastIndex(of: "/")
    let directory = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
    let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
    let prefix = temporaryPrefix(for: name)
    let temporary =
      directory + "/" + prefix + "\(getpid())."
      + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"

    var existing = stat()
    let mode = stat(target, &existing) == 0 ? mode_t(existing.st_mode & 0o7777) : 0o644
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw failure(path, "create a temporary file") }
    var closed = false
    do throws(CheckpointError) {
      try writeAll(bytes, to: descriptor, path: path)
      guard fchmod(descriptor, mode) == 0 else { throw failure(path, "set permissions") }
      guard fsync(descriptor) == 0 else { throw failure(path, "flush") }
      closed = true
      guard close(descriptor) == 0 else { throw failure(path, "close") }
      guard rename(temporary, target) == 0 else { throw failure(path, "replace the file") }
    } catch {
      if !closed { close(descriptor) }
      unlink(temporary)
      throw error
    }
    try syncDirectory(directory, path: path)
    removeStaleTemporaries(in: directory, prefix: prefix, current: temporary)
  }

  /// The leading part of the temporary names for `name`: `.name.` when that leaves room for
  /// the process id, random suffix and `.tmp` within `NAME_MAX` (255 bytes), else a hash of
  /// the name, so a legal long name still saves.
  static func temporaryPrefix(for name: String) -> String {
    if name.utf8.count <= 200 { return "." + name + "." }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs, unlike `Hasher`.
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return ".~" + String(hash, radix: 16) + "."
  }

  /// The path a chain of symbolic links at `path` ends at (a dangling link's target too).
  private static func resolvingLinks(_ path: String) -> String {
    var current = path
    for _ in 0..<40 {
      var info = stat()
      guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink(current, &buffer, buffer.count - 1)
      guard count > 0 else { return current }
      let link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if link.hasPrefix("/") {
        current = link
      } else if let slash = current.lastIndex(of: "/") {
        current = String(current[...slash]) + link
      } else {
        current = link
      }
    }
    return current
  }

  /// Flushes the directory entry of the rename; file systems that cannot are not an error.
  private static func syncDirectory(_ directory: String, path: String) throws(CheckpointError) {
    let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    if fsync(descriptor) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EBADF {
      throw failure(path, "flush the directory \(directory)")
    }
  }

  /// Removes `prefix<pid>.<hex>.tmp` files left by processes that no longer run, or older
  /// than `staleAge`; never the current save's own, and never another live save's.
  private static func removeStaleTemporaries(in directory: String, prefix: String, current: String)
  {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      return
    }
    let now = Date().timeIntervalSince1970
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
      let parts = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
      guard parts.count == 2, let pid = Int32(parts[0]), UInt64(parts[1], radix: 16) != nil
      else { continue }
      let path = directory + "/" + name
      guard path != current else { continue }
      let dead = kill(pid, 0) != 0 && errno == ESRCH
      let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate]
      let old = (modified as? Date).map { now - $0.timeIntervalSince1970 > staleAge } ?? false
      if dead || old { unlink(path) }
    }
  }

  /// Writes every byte, retrying short writes and interrupted calls.
  private static func writeAll(
    _ bytes: [UInt8], to descriptor: Int32, path: String
  ) throws(CheckpointError) {
    var written = 0
    while written < bytes.count {
      let result = bytes.withUnsafeBytes { raw in
        systemWrite(descriptor, raw.baseAddress.map { $0 + written }, raw.count - written)
      }
      if result < 0 {
        if errno == EINTR { continue }
        throw failure(path, "write")
      }
      written += result
    }
  }

  /// A file-system error for `path`, with the words of the current `errno`.
  private static func failure(_ path: String, _ operation: String) -> CheckpointError {
    .fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
  }
}

/// POSIX `write`; a free function because `SafeTensors` has its own `write(to:)`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}

/// POSIX `read`.
private func systemRead(
  _ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int
)
  -> Int
{
  read(descriptor, buffer, count)
}
