import Foundation
import Testing

@testable import SwiftTensor

/// Malformed safetensors input: each problem is its own error, never a crash.
@Suite struct CheckpointMalformedInputTests {
  /// Each malformed input gives its own error, never a crash.
  @Test func malformedInputs() {
    func error(_ bytes: [UInt8]) -> CheckpointError? {
      #expect(throws: CheckpointError.self) { _ = try SafeTensors(bytes: bytes) }
    }
    let four: [UInt8] = [0, 0, 0x80, 0x3F]
    func entry(_ fields: String) -> [UInt8] { craftedFile(#"{"t": {\#(fields)}}"#, data: four) }

    #expect(error([1, 2, 3]) == .truncated(source: "data", byteCount: 3))
    #expect(error([]) == .truncated(source: "data", byteCount: 0))
    var huge: [UInt8] = []
    withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { huge.append(contentsOf: $0) }
    #expect(
      error(huge + [0x7B, 0x7D])
        == .headerTooLarge(source: "data", headerLength: 1 << 40, limit: 100_000_000))
    var long = craftedFile("{}")
    long[0] = 50
    #expect(error(long) == .headerBeyondEnd(source: "data", headerLength: 50, available: 2))

    if case .malformedHeader(_, let offset, _) = error(craftedFile(#"{"t": }"#)) {
      #expect(offset == 6)
    } else {
      Issue.record("expected malformedHeader for a missing value")
    }
    for text in [#"{"a": 1"#, "{", #"{"a": tru}"#, "{} x", #"{"a": "\x"}"#, #"{"a": 01}"#] {
      guard case .malformedHeader = error(craftedFile(text)) else {
        Issue.record("expected malformedHeader for \(text)")
        continue
      }
    }
    let badUTF8 = craftedFile("{\"") + [0xFF, 0x22, 0x3A, 0x7B, 0x7D, 0x7D]
    guard case .malformedHeader = error(badUTF8) else {
      Issue.record("expected malformedHeader for invalid UTF-8")
      return
    }
    let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
    guard case .malformedHeader = error(craftedFile(#"{"a": \#(deep)}"#)) else {
      Issue.record("expected malformedHeader for deep nesting")
      return
    }

    #expect(
      error(craftedFile("[]"))
        == .invalidField(
          source: "data", tensor: nil, field: "header", expected: "a JSON object, not an array"))
    #expect(
      error(craftedFile(#"{"t": 3}"#))
        == .invalidField(
          source: "data", tensor: "t", field: "t", expected: "an object, not a number"))
    #expect(
      error(entry(#""dtype": 32, "shape": [1], "data_offsets": [0, 4]"#))
        == .invalidField(source: "data", tensor: "t", field: "dtype", expected: "a string"))
    #expect(
      error(entry(#""dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]"#))
        == .invalidField(
          source: "data", tensor: "t", field: "shape", expected: "an array of integers"))
    #expect(
      error(entry(#""dtype": "F32", "data_offsets": [0, 4]"#))
        == .invalidField(
          source: "data", tensor: "t", field: "shape",
          expected: "an array of integers, given once"))
    #expect(
      error(entry(#""dtype": "F32", "shape": [1], "data_offsets": [0]"#))
        == .invalidField(
          source: "data", tensor: "t", field: "data_offsets",
          expected: "an array of two non-negative integers"))
    #expect(
      error(entry(#""dtype": "F32", "shape": [1], "data_offsets": [-4, 0]"#))
        == .invalidField(
          source: "data", tensor: "t", field: "data_offsets",
          expected: "an array of two non-negative integers"))
    #expect(
      error(craftedFile(#"{"__metadata__": {"k": 1}}"#))
        == .invalidField(
          source: "data", tensor: nil, field: "__metadata__.k", expected: "a string given once"))
    #expect(
      error(entry(#""dtype": "F8", "shape": [2], "data_offsets": [0, 4]"#))
        == .unknownDType(source: "data", tensor: "t", dtype: "F8"))
    #expect(
      error(entry(#""dtype": "F32", "shape": [-1, -1], "data_offsets": [0, 4]"#))
        == .negativeDimension(source: "data", tensor: "t", shape: [-1, -1]))
    #expect(
      error(entry(#""dtype": "F64", "shape": [1], "data_offsets": [0, 4]"#))
        == .sizeMismatch(
          source: "data", tensor: "t", shape: [1], dtype: "F64", expected: 8, actual: 4))
    #expect(
      error(entry(#""dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 4]"#))
        == .invalidField(
          source: "data", tensor: "t", field: "shape",
          expected: "dimensions whose byte size fits in an Int"))
    #expect(
      error(entry(#""dtype": "F32", "shape": [2], "data_offsets": [0, 8]"#))
        == .offsetsOutOfBounds(source: "data", tensor: "t", begin: 0, end: 8, dataSize: 4))
    #expect(
      error(entry(#""dtype": "F32", "shape": [0], "data_offsets": [4, 0]"#))
        == .offsetsOutOfBounds(source: "data", tensor: "t", begin: 4, end: 0, dataSize: 4))

    let eight = four + four
    let overlap =
      #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "#
      + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    #expect(
      error(craftedFile(overlap, data: eight))
        == .overlappingRanges(source: "data", tensor: "b", other: "a"))
    let gap = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    #expect(
      error(craftedFile(gap, data: eight))
        == .gapBetweenRanges(source: "data", tensor: "a", expectedBegin: 0, begin: 4))
    let trailing = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
    #expect(
      error(craftedFile(trailing, data: eight))
        == .trailingBytes(source: "data", used: 4, dataSize: 8))
    let duplicate =
      #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
      + #""a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    #expect(
      error(craftedFile(duplicate, data: eight)) == .duplicateName(source: "data", tensor: "a"))
  }

  @Test func errorDescriptionsNameTheProblem() {
    let size = CheckpointError.sizeMismatch(
      source: "model.safetensors", tensor: "affine_0/W", shape: [64, 30], dtype: "F32",
      expected: 7680, actual: 7676)
    #expect(
      size.description
        == "model.safetensors: tensor 'affine_0/W' has shape [64, 30] of F32 (7680 bytes), "
        + "but its data_offsets span 7676 bytes")
    #expect(
      CheckpointError.truncated(source: "x", byteCount: 3).description.contains("too short"))
    #expect(
      CheckpointError.unknownDType(source: "x", tensor: "t", dtype: "F8").description
        == "x: tensor 't' has dtype 'F8', expected one of F32, F64, F16, BF16, I64, I32, I16, "
        + "I8, U64, U32, U16, U8, BOOL")
  }

  /// Every strict prefix of a valid file is rejected with an error, never a crash.
  @Test func everyTruncationThrows() throws {
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>.random(shape: [3, 2], seed: 1), named: "w")
    checkpoint.set(Tensor<Double>([1, 2]), named: "b")
    let bytes = checkpoint.encoded()
    for length in 0..<bytes.count {
      #expect(throws: CheckpointError.self, "prefix of \(length) bytes") {
        _ = try SafeTensors(bytes: Array(bytes[..<length]))
      }
    }
  }

}
