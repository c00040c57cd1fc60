/// Why a safetensors checkpoint could not be read, written or used.
///
/// Every case names its source (a file path, or `data` for bytes in memory) and, where one is
/// involved, the tensor, so a message such as
/// `model.safetensors: tensor 'affine_0/W' has shape [64, 30] of F32 (7680 bytes), but its
/// data_offsets span 7676 bytes` says what is wrong and what was expected.
public enum CheckpointError: Error, Equatable, Sendable {
  /// The input is shorter than the 8-byte header length.
  case truncated(source: String, byteCount: Int)
  /// The header length exceeds the limit the reader accepts.
  case headerTooLarge(source: String, headerLength: UInt64, limit: Int)
  /// The header length points past the end of the input.
  case headerBeyondEnd(source: String, headerLength: UInt64, available: Int)
  /// The header is not valid UTF-8 JSON; `offset` is the byte position within the header.
  case malformedHeader(source: String, offset: Int, reason: String)
  /// A header field is missing or has the wrong JSON type; `tensor` is nil for the top level
  /// or the metadata.
  case invalidField(source: String, tensor: String?, field: String, expected: String)
  /// A tensor's dtype is not one the safetensors format defines.
  case unknownDType(source: String, tensor: String, dtype: String)
  /// A tensor's shape has a negative dimension.
  case negativeDimension(source: String, tensor: String, shape: [Int])
  /// A tensor's shape and dtype call for `expected` bytes, but its offsets span `actual`.
  case sizeMismatch(
    source: String, tensor: String, shape: [Int], dtype: String, expected: Int, actual: Int)
  /// A tensor's offsets are reversed or reach past the data section.
  case offsetsOutOfBounds(source: String, tensor: String, begin: Int, end: Int, dataSize: Int)
  /// Two tensors' byte ranges overlap.
  case overlappingRanges(source: String, tensor: String, other: String)
  /// Bytes between two tensors (or before the first) belong to no tensor.
  case gapBetweenRanges(source: String, tensor: String, expectedBegin: Int, begin: Int)
  /// The data section has bytes after the last tensor.
  case trailingBytes(source: String, used: Int, dataSize: Int)
  /// The header names a tensor twice.
  case duplicateName(source: String, tensor: String)
  /// No tensor has the requested name.
  case missingTensor(name: String, available: [String])
  /// The tensor is stored with another dtype than the one asked for; nothing is converted.
  case dtypeMismatch(name: String, stored: String, expected: String)
  /// The tensor has another shape than the one the caller expects (a different model).
  case shapeMismatch(name: String, stored: [Int], expected: [Int])
  /// The checkpoint holds tensors the caller does not expect (a different model).
  case unexpectedTensors(names: [String])
  /// A number read from the file cannot be used: not finite, not an integer, or out of range.
  /// `value` is the number as read; `expected` says what would have been accepted.
  case invalidNumber(source: String, tensor: String, value: String, expected: String)
  /// The checkpoint was written by another kind of optimiser (or none) than the one resuming.
  case optimizerMismatch(source: String, stored: String, expected: String)
  /// A tensor of another framework holds values the SwiftTensor layer cannot represent (such
  /// as a PyTorch GRU's nonzero `b_hn`); `reason` says why.
  case unrepresentable(name: String, reason: String)
  /// Reading, writing or renaming a file failed.
  case fileSystem(path: String, operation: String, reason: String)
}

extension CheckpointError: CustomStringConvertible {
  /// A one-line explanation naming the source, the tensor and what was expected.
  public var description: String {
    switch self {
    case .truncated(let source, let count):
      return "\(source): \(count) bytes is too short for a safetensors file "
        + "(expected at least the 8-byte header length)"
    case .headerTooLarge(let source, let length, let limit):
      return "\(source): header length \(length) exceeds the limit of \(limit) bytes"
    case .headerBeyondEnd(let source, let length, let available):
      return "\(source): header length \(length) is larger than the \(available) bytes "
        + "that follow it (truncated file?)"
    case .malformedHeader(let source, let offset, let reason):
      return "\(source): malformed JSON header at byte \(offset): \(reason)"
    case .invalidField(let source, let tensor, let field, let expected):
      let owner = tensor.map { "tensor '\($0)': " } ?? ""
      return "\(source): \(owner)'\(field)' must be \(expected)"
    case .unknownDType(let source, let tensor, let dtype):
      return "\(source): tensor '\(tensor)' has dtype '\(dtype)', "
        + "expected one of "
        + SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")
    case .negativeDimension(let source, let tensor, let shape):
      return "\(source): tensor '\(tensor)' has a negative dimension in shape "
        + describe(shape: shape)
    case .sizeMismatch(let source, let tensor, let shape, let dtype, let expected, let actual):
      return "\(source): tensor '\(tensor)' has shape \(describe(shape: shape)) of \(dtype) "
        + "(\(expected) bytes), but its data_offsets span \(actual) bytes"
    case .offsetsOutOfBounds(let source, let tensor, let begin, let end, let size):
      return "\(source): tensor '\(tensor)' has data_offsets [\(begin), \(end)], expected "
        + "0 <= begin <= end <= \(size) (the size of the data section)"
    case .overlappingRanges(let source, let tensor, let other):
      return "\(source): the bytes of tensor '\(tensor)' overlap those of '\(other)'"
    case .gapBetweenRanges(let source, let tensor, let expectedBegin, let begin):
      return "\(source): tensor '\(tensor)' begins at byte \(begin), expected \(expectedBegin) "
        + "(tensors must be contiguous)"
    case .trailingBytes(let source, let used, let size):
      return "\(source): the tensors use \(used) bytes, but the data section has \(size)"
    case .duplicateName(let source, let tensor):
      return "\(source): tensor '\(tensor)' appears more than once in the header"
    case .missingTensor(let name, let available):
      let list = available.isEmpty ? "none" : available.map { "'\($0)'" }.joined(separator: ", ")
      return "checkpoint has no tensor '\(name)' (it holds: \(list))"
    case .dtypeMismatch(let name, let stored, let expected):
      return "checkpoint holds '\(name)' as \(stored), expected \(expected)"
    case .shapeMismatch(let name, let stored, let expected):
      return "checkpoint holds '\(name)' with shape \(describe(shape: stored)), "
        + "expected \(describe(shape: expected))"
    case .unexpectedTensors(let names):
      return "checkpoint holds unexpected tensors: "
        + names.map { "'\($0)'" }.joined(separator: ", ")
    case .invalidNumber(let source, let tensor, let value, let expected):
      return "\(source): tensor '\(tensor)' holds \(value), expected \(expected)"
    case .optimizerMismatch(let source, let stored, let expected):
      return "\(source): checkpoint holds the state of optimiser \(stored), "
        + "but it is resumed with \(expected)"
    case .unrepresentable(let name, let reason):
      return "checkpoint tensor '\(name)' cannot be loaded: \(reason)"
    case .fileSystem(let path, let operation, let reason):
      return "\(path): cannot \(operation): \(reason)"
    }
  }
}
