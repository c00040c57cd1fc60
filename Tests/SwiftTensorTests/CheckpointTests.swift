import Foundation
import Testing

@testable import SwiftTensor

/// Builds a safetensors file from a header text and data bytes, independently of the writer.
func craftedFile(_ header: String, data: [UInt8] = []) -> [UInt8] {
  let json = Array(header.utf8)
  var bytes: [UInt8] = []
  withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
  return bytes + json + data
}

/// A fresh empty directory for one test.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("swifttensor-tests-\(UInt64.random(in: 0...UInt64.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

@Suite struct CheckpointTests {
  /// Values whose bits must survive a round trip: signed zeros, infinities, subnormals, extremes.
  func specialValues<T: TensorScalar>(_: T.Type) -> [T] {
    [
      0, -0.0, 1, -1, 0.1, .pi, .infinity, -.infinity, .leastNonzeroMagnitude,
      -.leastNonzeroMagnitude, .leastNormalMagnitude.nextDown, .greatestFiniteMagnitude,
      -.greatestFiniteMagnitude, .ulpOfOne, 1e-30, 12345.678,
    ]
  }

  func roundTrip<T: TensorScalar>(_: T.Type) throws {
    let special = Tensor<T>(shape: [4, 4], scalars: specialValues(T.self))
    let random = Tensor<T>.randomNormal(shape: [3, 5, 2], seed: 9)
    let scalar = Tensor<T>(T(42))
    let empty = Tensor<T>.zeros(shape: [0, 3])
    var checkpoint = SafeTensors()
    checkpoint.set(special, named: "special")
    checkpoint.set(random, named: "affine_0/W")
    checkpoint.set(scalar, named: "scalar")
    checkpoint.set(empty, named: "empty")
    checkpoint.metadata = ["epoch": "3", "note": "quote \" backslash \\ newline \n é"]

    let decoded = try SafeTensors(bytes: checkpoint.encoded())
    #expect(decoded == checkpoint)
    #expect(decoded.names == ["special", "affine_0/W", "scalar", "empty"])
    #expect(decoded.metadata == checkpoint.metadata)
    for (name, original) in [
      ("special", special), ("affine_0/W", random), ("scalar", scalar),
      ("empty", empty),
    ] {
      let loaded = try decoded.tensor(named: name, as: T.self)
      #expect(loaded.shape == original.shape, "\(name)")
      let loadedBits = loaded.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
      let originalBits = original.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
      #expect(loadedBits == originalBits, "\(T.self) tensor \(name) changed bits")
    }
  }

  @Test func roundTripFloatAndDouble() throws {
    try roundTrip(Float.self)
    try roundTrip(Double.self)
  }

  @Test func mixedPrecisionAndReplacement() throws {
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>([1, 2]), named: "a")
    checkpoint.set(Tensor<Double>([3]), named: "b")
    checkpoint.set(Tensor<Double>([4, 5, 6]), named: "a")  // replaces in place
    #expect(checkpoint.names == ["a", "b"])
    #expect(checkpoint["a"]?.dtype == .f64)
    let decoded = try SafeTensors(bytes: checkpoint.encoded())
    #expect(try decoded.tensor(named: "a", as: Double.self) == Tensor<Double>([4, 5, 6]))
    #expect(try decoded.tensor(named: "b", as: Double.self) == Tensor<Double>([3]))
  }

  @Test func missingNameAndWrongDType() throws {
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Double>([1, 2]), named: "affine_0/W")
    let wrongType = #expect(throws: CheckpointError.self) {
      _ = try checkpoint.tensor(named: "affine_0/W", as: Float.self)
    }
    #expect(wrongType == .dtypeMismatch(name: "affine_0/W", stored: "F64", expected: "F32"))
    #expect(wrongType?.description == "checkpoint holds 'affine_0/W' as F64, expected F32")
    let missing = #expect(throws: CheckpointError.self) {
      _ = try checkpoint.tensor(named: "affine_1/W", as: Double.self)
    }
    #expect(missing == .missingTensor(name: "affine_1/W", available: ["affine_0/W"]))
    #expect(missing?.description.contains("no tensor 'affine_1/W'") == true)
  }

  @Test func shapesAndNamesOfAnotherModelAreRejected() throws {
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>.zeros(shape: [64, 30]), named: "affine_0/W")
    checkpoint.set(Tensor<Float>.zeros(shape: [30]), named: "affine_0/b")
    let w = try checkpoint.tensor(named: "affine_0/W", as: Float.self, shape: [64, 30])
    #expect(w.shape == [64, 30])
    let shape = #expect(throws: CheckpointError.self) {
      _ = try checkpoint.tensor(named: "affine_0/W", as: Float.self, shape: [64, 10])
    }
    #expect(shape == .shapeMismatch(name: "affine_0/W", stored: [64, 30], expected: [64, 10]))
    #expect(
      shape?.description == "checkpoint holds 'affine_0/W' with shape [64, 30], expected [64, 10]")

    try checkpoint.checkNames(["affine_0/b", "affine_0/W"])
    let missing = #expect(throws: CheckpointError.self) {
      try checkpoint.checkNames(["affine_0/W", "affine_0/b", "affine_1/W"])
    }
    #expect(missing == .missingTensor(name: "affine_1/W", available: ["affine_0/W", "affine_0/b"]))
    let extra = #expect(throws: CheckpointError.self) { try checkpoint.checkNames(["affine_0/W"]) }
    #expect(extra == .unexpectedTensors(names: ["affine_0/b"]))
    #expect(extra?.description == "checkpoint holds unexpected tensors: 'affine_0/b'")
  }

  /// The writer's bytes, checked without the reader: header length, JSON, raw data.
  @Test func writerBytesByHand() throws {
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>(shape: [2, 2], scalars: [1, -2, 0.5, -0.0]), named: "w")
    checkpoint.set(Tensor<Double>([1, .infinity]), named: "b")
    checkpoint.metadata["format"] = "pt"
    let bytes = checkpoint.encoded()

    let length = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let expectedJSON =
      #"{"__metadata__":{"format":"pt"},"#
      + #""w":{"data_offsets":[0,16],"dtype":"F32","shape":[2,2]},"#
      + #""b":{"data_offsets":[16,32],"dtype":"F64","shape":[2]}}"#
    let padded = expectedJSON + String(repeating: " ", count: (8 - expectedJSON.utf8.count % 8) % 8)
    #expect(length == UInt64(padded.utf8.count))
    #expect(length % 8 == 0)
    let headerEnd = 8 + Int(length)
    #expect(String(decoding: bytes[8..<headerEnd], as: UTF8.self) == padded)
    let object = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
    let parsed = try #require(object as? [String: Any])
    let w = try #require(parsed["w"] as? [String: Any])
    #expect(w["dtype"] as? String == "F32")
    #expect(w["shape"] as? [Int] == [2, 2])
    #expect(w["data_offsets"] as? [Int] == [0, 16])

    let data = Array(bytes[headerEnd...])
    let expectedData: [UInt8] = [
      0x00, 0x00, 0x80, 0x3F,  // 1.0f
      0x00, 0x00, 0x00, 0xC0,  // -2.0f
      0x00, 0x00, 0x00, 0x3F,  // 0.5f
      0x00, 0x00, 0x00, 0x80,  // -0.0f
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,  // 1.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x7F,  // +inf
    ]
    #expect(data == expectedData)
  }

  @Test func emptyCheckpoint() throws {
    let bytes = SafeTensors().encoded()
    #expect(bytes == craftedFile("{}      "))
    let decoded = try SafeTensors(bytes: bytes)
    #expect(decoded.names.isEmpty && decoded.metadata.isEmpty)
  }

  @Test func readsPaddedHeadersAndAnyKeyOrder() throws {
    let header =
      #"{ "b": {"shape": [1], "dtype": "F32", "data_offsets": [4, 8]}, "#
      + #""a": {"dtype": "F32", "data_offsets": [0, 4], "shape": []}, "#
      + #""__metadata__": {"k": "v\u00e9\ud83d\ude00"}}   "#
    let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
    let decoded = try SafeTensors(bytes: craftedFile(header, data: data))
    #expect(decoded.names == ["b", "a"])
    #expect(decoded.metadata == ["k": "vé😀"])
    #expect(try decoded.tensor(named: "a", as: Float.self) == Tensor<Float>(1))
    #expect(try decoded.tensor(named: "b", as: Float.self) == Tensor<Float>([2]))
  }

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
      error(entry(#""dtype": "BF16", "shape": [2], "data_offsets": [0, 4]"#))
        == .unknownDType(source: "data", tensor: "t", dtype: "BF16"))
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
      CheckpointError.unknownDType(source: "x", tensor: "t", dtype: "I8").description
        == "x: tensor 't' has dtype 'I8', expected F32 or F64")
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

  @Test func fileRoundTripAndOverwrite() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")

    var large = SafeTensors()
    large.set(Tensor<Float>.random(shape: [100, 100], seed: 3), named: "big")
    try large.write(to: url)
    #expect(try SafeTensors(contentsOf: url) == large)

    var small = SafeTensors()
    small.set(Tensor<Double>([1, 2, 3]), named: "small")
    try small.write(to: url)
    let onDisk = try Data(contentsOf: url)
    #expect(Array(onDisk) == small.encoded(), "the old, longer file must be replaced whole")
    #expect(try SafeTensors(contentsOf: url) == small)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(leftovers == ["model.safetensors"])
  }

  @Test func failedWritesLeaveNothing() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>([1]), named: "w")

    let missing = directory.appendingPathComponent("no/such/dir/model.safetensors")
    let error = #expect(throws: CheckpointError.self) { try checkpoint.write(to: missing) }
    guard case .fileSystem(let path, _, _) = error else {
      Issue.record("expected a file-system error, got \(String(describing: error))")
      return
    }
    #expect(path == missing.path)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("no").path))

    // Renaming over a non-empty directory fails after the temporary file was written.
    let occupied = directory.appendingPathComponent("occupied")
    try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
    try Data([1]).write(to: occupied.appendingPathComponent("keep"))
    #expect(throws: CheckpointError.self) { try checkpoint.write(to: occupied) }
    let contents = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(contents == ["occupied"], "the temporary file must be removed")
    #expect(try Data(contentsOf: occupied.appendingPathComponent("keep")) == Data([1]))

    let unreadable = #expect(throws: CheckpointError.self) {
      _ = try SafeTensors(contentsOf: directory.appendingPathComponent("absent.safetensors"))
    }
    guard case .fileSystem(_, "read", _) = unreadable else {
      Issue.record("expected a read error, got \(String(describing: unreadable))")
      return
    }
  }

  /// numpy reads the writer's file with nothing but `json` and `numpy.frombuffer`.
  @Test(.enabled(if: pythonWithNumpy() != nil, "needs python3 with numpy"))
  func numpyReadsTheFile() throws {
    let python = try #require(pythonWithNumpy())
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    var checkpoint = SafeTensors()
    let w = Tensor<Float>(
      shape: [2, 3], scalars: [1, -2.5, 0.125, -0.0, .leastNonzeroMagnitude, 65504])
    let b = Tensor<Double>([.pi, -1e300])
    checkpoint.set(w, named: "affine_0/W")
    checkpoint.set(b, named: "affine_0/b")
    try checkpoint.write(to: url)

    let script = """
      import json, struct, sys, numpy as np
      raw = open(sys.argv[1], 'rb').read()
      n = struct.unpack('<Q', raw[:8])[0]
      header = json.loads(raw[8:8 + n])
      data = raw[8 + n:]
      for name in ['affine_0/W', 'affine_0/b']:
          info = header[name]
          dtype = {'F32': '<f4', 'F64': '<f8'}[info['dtype']]
          begin, end = info['data_offsets']
          array = np.frombuffer(data[begin:end], dtype=dtype).reshape(info['shape'])
          values = ' '.join(repr(float(v)) for v in array.flat)
          print(name, info['dtype'], list(array.shape), values)
      """
    let output = try run(python, ["-c", script, url.path])
    let lines = output.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let expectedW = w.scalars.map { Double($0) }
    let expectedB = b.scalars
    for (line, (name, dtype, shape, values)) in zip(
      lines, [("affine_0/W", "F32", "[2, 3]", expectedW), ("affine_0/b", "F64", "[2]", expectedB)])
    {
      #expect(line.hasPrefix("\(name) \(dtype) \(shape) "), "numpy printed: \(line)")
      let numbers = line.split(separator: "]").last?.split(separator: " ").compactMap {
        Double(String($0))
      }
      #expect(numbers == values, "numpy printed: \(line)")
      let signs = line.split(separator: "]").last?.split(separator: " ").map { $0.hasPrefix("-") }
      #expect(signs == values.map { $0.sign == .minus }, "sign of zero lost: \(line)")
    }
  }
}

/// The path of a `python3` that can import numpy, or nil.
func pythonWithNumpy() -> String? {
  for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"] {
    guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
    if (try? run(candidate, ["-c", "import numpy"])) != nil { return candidate }
  }
  return nil
}

struct ProcessFailed: Error, CustomStringConvertible {
  var description: String
}

/// Runs `executable` with `arguments` and returns its standard output; throws on failure.
func run(_ executable: String, _ arguments: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  let errorData = errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else {
    throw ProcessFailed(
      description: "\(executable) exited with \(process.terminationStatus): "
        + String(decoding: errorData, as: UTF8.self))
  }
  return String(decoding: data, as: UTF8.self)
}
