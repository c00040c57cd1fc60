import Foundation
import Testing

@testable import SwiftTensor

@Suite struct CheckpointPartialReadTests {
  /// A file as another framework writes it: the parameter next to integer and half tensors.
  func mixedFile() -> [UInt8] {
    let header =
      #"{"affine_0/W": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]},"#
      + #""affine_0/b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},"#
      + #""steps": {"dtype": "I64", "shape": [], "data_offsets": [8, 16]},"#
      + #""ids": {"dtype": "I32", "shape": [2], "data_offsets": [16, 24]},"#
      + #""half": {"dtype": "F16", "shape": [1], "data_offsets": [24, 26]},"#
      + #""brain": {"dtype": "BF16", "shape": [1], "data_offsets": [26, 28]},"#
      + #""mask": {"dtype": "BOOL", "shape": [1], "data_offsets": [28, 29]}}"#
    let data: [UInt8] =
      [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40] + [7, 0, 0, 0, 0, 0, 0, 0]
      + [1, 0, 0, 0, 2, 0, 0, 0] + [0, 0x3C] + [0x80, 0x3F] + [1]
    return craftedFile(header, data: data)
  }

  @Test func readsFloatTensorsNextToOtherDTypes() throws {
    let file = try SafeTensors(bytes: mixedFile())
    #expect(file.names == ["affine_0/W", "affine_0/b", "steps", "ids", "half", "brain", "mask"])
    #expect(try file.tensor(named: "affine_0/W", as: Float.self) == Tensor([[1]]))
    #expect(try file.integers(named: "steps") == [7])
    #expect(file["half"]?.dtype == .f16 && file["brain"]?.dtype == .bf16)
    #expect(throws: CheckpointError.dtypeMismatch(name: "ids", stored: "I32", expected: "F32")) {
      try file.tensor(named: "ids", as: Float.self)
    }
    #expect(throws: CheckpointError.dtypeMismatch(name: "half", stored: "F16", expected: "I64")) {
      try file.integers(named: "half")
    }
    // Raw entries are written back byte for byte.
    #expect(try SafeTensors(bytes: file.encoded()) == file)
  }

  @Test func modelLoadSkipsOtherTensorsOnRequest() throws {
    let model = Graph<Float>("one", seed: 1) { Affine(1, 1) }
    let file = try SafeTensors(bytes: mixedFile())
    #expect(throws: CheckpointError.self) { try model.load(file) }
    #expect(model.parameters[0].variable.value != Tensor([[1]]), "strict load changed nothing")
    let skipped = try model.load(file, strict: false)
    #expect(skipped == ["steps", "ids", "half", "brain", "mask"])
    #expect(model.parameters.map(\.variable.value) == [Tensor([[1]]), Tensor([2])])
  }

  @Test func integersRoundTrip() throws {
    var file = SafeTensors()
    file.set([Int64.min, -1, 0, 1 << 53 + 1, Int64.max], shape: [5], named: "n")
    let read = try SafeTensors(bytes: file.encoded())
    #expect(try read.integers(named: "n") == [Int64.min, -1, 0, 1 << 53 + 1, Int64.max])
    #expect(read["n"]?.dtype == .i64 && read["n"]?.shape == [5])
  }

  /// Kills a reader that accepts a data range longer than the dtype and shape need.
  @Test func refusesADataRangeLongerThanTheShapeNeeds() {
    let bytes = craftedFile(
      #"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}"#,
      data: [UInt8](repeating: 0, count: 8))
    #expect(
      throws: CheckpointError.sizeMismatch(
        source: "data", tensor: "t", shape: [1], dtype: "F32", expected: 4, actual: 8)
    ) { try SafeTensors(bytes: bytes) }
  }

  /// A gap of a single byte between two ranges is refused (a bound off by one let it through).
  @Test func refusesAOneByteGapBetweenRanges() {
    let bytes = craftedFile(
      #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "#
        + #""b": {"dtype": "U8", "shape": [1], "data_offsets": [2, 3]}}"#,
      data: [1, 0, 2])
    #expect(
      throws: CheckpointError.gapBetweenRanges(
        source: "data", tensor: "b", expectedBegin: 1, begin: 2)
    ) { try SafeTensors(bytes: bytes) }
  }
}
