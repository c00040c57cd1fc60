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

}
