import Foundation

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
  /// The bytes go to a temporary file in the same directory, which is flushed to disk, given
  /// the permissions of the file it replaces, and renamed over `url`; then the directory is
  /// flushed. A reader sees either the old file or the whole new one; if anything fails, `url`
  /// is untouched and the temporary file is removed. A symbolic link at `url` is followed: its
  /// target is replaced and the link stays. Temporary files of earlier saves to the same file
  /// whose process was killed are removed.
  ///
  /// - Throws: `CheckpointError.fileSystem` naming the path, the step and the system's reason
  ///   (for example, a directory that does not exist).
  public func write(to url: URL) throws(CheckpointError) {
    try AtomicFile.write(encoded(), to: url.path)
  }
}
