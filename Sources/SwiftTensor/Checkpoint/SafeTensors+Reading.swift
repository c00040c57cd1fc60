import Foundation

extension SafeTensors {
  /// The largest JSON header the reader accepts (100 MB), so a corrupt length cannot make it
  /// allocate gigabytes; real headers are kilobytes.
  public static let maximumHeaderLength = 100_000_000

  /// Reads and validates the safetensors file at `url`.
  ///
  /// - Throws: `CheckpointError.fileSystem` when the file cannot be read, or the error that
  ///   `init(bytes:source:)` describes, with the file's path as the source.
  public init(contentsOf url: URL) throws(CheckpointError) {
    try self.init(bytes: AtomicFile.read(url.path), source: url.path)
  }

  /// Parses and validates a safetensors file held in `data`.
  ///
  /// - Throws: see `init(bytes:source:)`.
  public init(data: Data, source: String = "data") throws(CheckpointError) {
    try self.init(bytes: Array(data), source: source)
  }

  /// Parses and validates a safetensors file held in `bytes`.
  ///
  /// Everything is checked before anything is returned: the header length against the input
  /// and `maximumHeaderLength`, the JSON syntax and types, each dtype, shape and byte range,
  /// duplicate names, and that the ranges tile the data section exactly. Header keys may come
  /// in any order (JSON objects are unordered); entries keep the header's order.
  ///
  /// - Parameters:
  ///   - bytes: the whole file.
  ///   - source: how error messages name the input (a path, or `data`).
  /// - Throws: a `CheckpointError` naming the source, the tensor and what was expected.
  /// - Complexity: O(n) in the input size, plus O(t log t) for `t` tensors.
  public init(bytes: [UInt8], source: String = "data") throws(CheckpointError) {
    guard bytes.count >= 8 else { throw .truncated(source: source, byteCount: bytes.count) }
    var length: UInt64 = 0
    for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
    guard length <= UInt64(Self.maximumHeaderLength) else {
      throw .headerTooLarge(source: source, headerLength: length, limit: Self.maximumHeaderLength)
    }
    let headerEnd = 8 + Int(length)
    guard headerEnd <= bytes.count else {
      throw .headerBeyondEnd(source: source, headerLength: length, available: bytes.count - 8)
    }
    let header: JSONValue
    do {
      header = try JSONParser.parse(Array(bytes[8..<headerEnd]))
    } catch {
      throw .malformedHeader(source: source, offset: error.offset, reason: error.reason)
    }
    guard case .object(let members) = header else {
      throw .invalidField(
        source: source, tensor: nil, field: "header", expected: "a JSON object, not \(header.kind)")
    }
    let dataSize = bytes.count - headerEnd
    var parser = HeaderReader(source: source, dataSize: dataSize)
    for member in members {
      try parser.read(key: member.key, value: member.value)
    }
    try parser.checkRangesTile()

    self.init()
    metadata = parser.metadata
    for entry in parser.entries {
      let bytes = Array(bytes[headerEnd + entry.begin..<headerEnd + entry.end])
      insert(Entry(name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: bytes))
    }
  }
}

/// Validates the header's members one by one, then checks that the ranges tile the data.
private struct HeaderReader {
  struct Located {
    var name: String
    var dtype: SafeTensors.DType
    var shape: [Int]
    var begin: Int
    var end: Int
  }

  let source: String
  let dataSize: Int
  var entries: [Located] = []
  var metadata: [String: String] = [:]
  private var seen: Set<String> = []

  init(source: String, dataSize: Int) {
    self.source = source
    self.dataSize = dataSize
  }

  mutating func read(key: String, value: JSONValue) throws(CheckpointError) {
    guard seen.insert(key).inserted else { throw .duplicateName(source: source, tensor: key) }
    if key == SafeTensors.metadataKey {
      try readMetadata(value)
    } else {
      entries.append(try readEntry(name: key, value: value))
    }
  }

  private mutating func readMetadata(_ value: JSONValue) throws(CheckpointError) {
    let expected = "an object of string values"
    guard case .object(let members) = value else {
      throw .invalidField(
        source: source, tensor: nil, field: SafeTensors.metadataKey, expected: expected)
    }
    for member in members {
      let key = member.key
      guard case .string(let string) = member.value, metadata[key] == nil else {
        throw .invalidField(
          source: source, tensor: nil, field: "\(SafeTensors.metadataKey).\(key)",
          expected: "a string given once")
      }
      metadata[key] = string
    }
  }

  private func readEntry(name: String, value: JSONValue) throws(CheckpointError) -> Located {
    guard case .object(let fields) = value else {
      throw .invalidField(
        source: source, tensor: name, field: name, expected: "an object, not \(value.kind)")
    }
    func field(_ key: String, _ expected: String) throws(CheckpointError) -> JSONValue {
      let matches = fields.filter { $0.key == key }
      guard matches.count == 1 else {
        throw .invalidField(
          source: source, tensor: name, field: key, expected: "\(expected), given once")
      }
      return matches[0].value
    }
    guard case .string(let dtypeName) = try field("dtype", "a string") else {
      throw .invalidField(source: source, tensor: name, field: "dtype", expected: "a string")
    }
    let shapeExpected = "an array of integers"
    guard let shape = integers(try field("shape", shapeExpected)) else {
      throw .invalidField(source: source, tensor: name, field: "shape", expected: shapeExpected)
    }
    let offsetsExpected = "an array of two non-negative integers"
    guard let offsets = integers(try field("data_offsets", offsetsExpected)),
      offsets.count == 2, offsets[0] >= 0, offsets[1] >= 0
    else {
      throw .invalidField(
        source: source, tensor: name, field: "data_offsets", expected: offsetsExpected)
    }
    guard let dtype = SafeTensors.DType(rawValue: dtypeName) else {
      throw .unknownDType(source: source, tensor: name, dtype: dtypeName)
    }
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw .negativeDimension(source: source, tensor: name, shape: shape)
    }
    let (begin, end) = (offsets[0], offsets[1])
    guard begin <= end, end <= dataSize else {
      throw .offsetsOutOfBounds(
        source: source, tensor: name, begin: begin, end: end, dataSize: dataSize)
    }
    var expectedBytes = dtype.byteSize
    for dimension in shape {
      let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: dimension)
      guard !overflow else {
        throw .invalidField(
          source: source, tensor: name, field: "shape",
          expected: "dimensions whose byte size fits in an Int")
      }
      expectedBytes = product
    }
    guard expectedBytes == end - begin else {
      throw .sizeMismatch(
        source: source, tensor: name, shape: shape, dtype: dtype.rawValue,
        expected: expectedBytes, actual: end - begin)
    }
    return Located(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
  }

  /// The array's elements as `Int`s, or nil if it is not an array of JSON integers.
  private func integers(_ value: JSONValue) -> [Int]? {
    guard case .array(let elements) = value else { return nil }
    var result: [Int] = []
    for element in elements {
      guard case .number(let text) = element, let integer = Int(text) else { return nil }
      result.append(integer)
    }
    return result
  }

  /// Checks that the byte ranges, in offset order, cover the data section without gap or
  /// overlap.
  func checkRangesTile() throws(CheckpointError) {
    let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var expectedBegin = 0
    var previous: String?
    for entry in sorted {
      if entry.begin < expectedBegin, let previous {
        throw .overlappingRanges(source: source, tensor: entry.name, other: previous)
      }
      if entry.begin > expectedBegin {
        throw .gapBetweenRanges(
          source: source, tensor: entry.name, expectedBegin: expectedBegin, begin: entry.begin)
      }
      expectedBegin = entry.end
      previous = entry.name
    }
    guard expectedBegin == dataSize else {
      throw .trailingBytes(source: source, used: expectedBegin, dataSize: dataSize)
    }
  }
}
