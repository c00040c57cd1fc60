import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension SafeTensors {
  /// The complete file contents: header length, JSON header, data.
  ///
  /// The output is deterministic: `__metadata__` first (keys sorted), then the tensors in
  /// insertion order, each with its keys sorted (`data_offsets`, `dtype`, `shape`), no
  /// whitespace, and the header padded with spaces to a multiple of 8 bytes so the data section
  /// is aligned, as the reference implementation does.
  ///
  /// - Complexity: O(n) in the total size.
  public func encoded() -> [UInt8] {
    var header = headerJSON()
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    let dataSize = entries.reduce(0) { $0 + $1.bytes.count }
    var output: [UInt8] = []
    output.reserveCapacity(8 + header.count + dataSize)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { output.append(contentsOf: $0) }
    output.append(contentsOf: header)
    for entry in entries { output.append(contentsOf: entry.bytes) }
    return output
  }

  /// The unpadded JSON header.
  private func headerJSON() -> [UInt8] {
    var json: [UInt8] = [UInt8(ascii: "{")]
    var first = true
    func separate() {
      if !first { json.append(UInt8(ascii: ",")) }
      first = false
    }
    if !metadata.isEmpty {
      separate()
      appendJSONString(Self.metadataKey, to: &json)
      json.append(contentsOf: Array(":{".utf8))
      for (index, key) in metadata.keys.sorted().enumerated() {
        if index > 0 { json.append(UInt8(ascii: ",")) }
        appendJSONString(key, to: &json)
        json.append(UInt8(ascii: ":"))
        appendJSONString(metadata[key] ?? "", to: &json)
      }
      json.append(UInt8(ascii: "}"))
    }
    var offset = 0
    for entry in entries {
      separate()
      appendJSONString(entry.name, to: &json)
      let end = offset + entry.bytes.count
      let shape = entry.shape.map(String.init).joined(separator: ",")
      let fields =
        ":{\"data_offsets\":[\(offset),\(end)],\"dtype\":\"\(entry.dtype.rawValue)\","
        + "\"shape\":[\(shape)]}"
      json.append(contentsOf: Array(fields.utf8))
      offset = end
    }
    json.append(UInt8(ascii: "}"))
    return json
  }

  /// Writes the checkpoint to `url` atomically.
  ///
  /// The bytes go to a temporary file in the same directory, which is flushed to disk and then
  /// renamed over `url`. A reader sees either the old file or the whole new one; if anything
  /// fails, `url` is untouched and the temporary file is removed.
  ///
  /// - Throws: `CheckpointError.fileSystem` naming the path, the step and the system's reason
  ///   (for example, a directory that does not exist).
  public func write(to url: URL) throws(CheckpointError) {
    let destination = url.path
    let directory = url.deletingLastPathComponent().path
    let temporary =
      directory + "/." + url.lastPathComponent + ".\(getpid())."
      + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
    let bytes = encoded()

    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw .fileSystem(
        path: destination, operation: "create a temporary file", reason: Self.systemError())
    }
    var closed = false
    do throws(CheckpointError) {
      try Self.writeAll(bytes, to: descriptor, path: destination)
      guard fsync(descriptor) == 0 else {
        throw .fileSystem(path: destination, operation: "flush", reason: Self.systemError())
      }
      closed = true
      guard close(descriptor) == 0 else {
        throw .fileSystem(path: destination, operation: "close", reason: Self.systemError())
      }
      guard rename(temporary, destination) == 0 else {
        throw .fileSystem(
          path: destination, operation: "replace the file", reason: Self.systemError())
      }
    } catch {
      if !closed { close(descriptor) }
      unlink(temporary)
      throw error
    }
  }

  /// Writes every byte, retrying short writes and interrupted calls.
  private static func writeAll(
    _ bytes: [UInt8], to descriptor: Int32, path: String
  ) throws(CheckpointError) {
    var failure: CheckpointError?
    bytes.withUnsafeBytes { raw in
      var written = 0
      while written < raw.count {
        let result = systemWrite(
          descriptor, raw.baseAddress.map { $0 + written }, raw.count - written)
        if result < 0 {
          if errno == EINTR { continue }
          failure = .fileSystem(path: path, operation: "write", reason: systemError())
          return
        }
        written += result
      }
    }
    if let failure { throw failure }
  }

  /// The text of the current `errno`.
  private static func systemError() -> String {
    String(cString: strerror(errno))
  }
}

/// POSIX `write`; a free function because inside `SafeTensors` the name means `write(to:)`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(descriptor, buffer, count)
}
