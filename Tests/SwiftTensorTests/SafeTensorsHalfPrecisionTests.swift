import Foundation
import Testing

@testable import SwiftTensor

/// `F16` and `BF16`: reading widens exactly and writing rounds to nearest even, checked against
/// torch's conversions (`Fixtures/pytorch_char_lstm.py`) and known bit patterns; the
/// conv/batch-norm fixture loads through `PyTorchWeights`.
@Suite struct SafeTensorsHalfPrecisionTests {
  /// The fixture holding torch's conversions of `values`.
  static let url = PyTorchInteropTests.url

  /// Expects the same values, NaN matching NaN and zeros matching in sign.
  func expectSame(_ actual: [Float], _ expected: [Float], _ what: String) {
    #expect(actual.count == expected.count)
    for (index, (a, e)) in zip(actual, expected).enumerated() {
      let same = a.isNaN ? e.isNaN : a.bitPattern == e.bitPattern
      #expect(same, "\(what)[\(index)]: \(a), expected \(e)")
    }
  }

  @Test func readingWidensAsTorchDoes() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    for (dtype, name) in [(SafeTensors.DType.f16, "values_f16"), (.bf16, "values_bf16")] {
      #expect(file[name]?.dtype == dtype)
      let decoded: Tensor<Float> = try file.convertedTensor(named: name)
      let expected: Tensor<Float> = try file.tensor(named: name + "_decoded")
      expectSame(decoded.scalars, expected.scalars, name)
      let double: Tensor<Double> = try file.convertedTensor(named: name)
      expectSame(double.scalars.map(Float.init), expected.scalars, name + " as Double")
    }
  }

  @Test func writingRoundsAsTorchDoes() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let values: Tensor<Float> = try file.tensor(named: "values")
    for (dtype, name) in [(SafeTensors.DType.f16, "values_f16"), (.bf16, "values_bf16")] {
      var written = SafeTensors()
      written.set(values, named: name, as: dtype)
      written.set(
        Tensor<Double>(shape: values.shape, scalars: values.scalars.map(Double.init)),
        named: "double", as: dtype)
      let expected = try #require(file[name])
      let bytes = try #require(written[name]).bytes
      #expect(written[name]?.dtype == dtype && written[name]?.shape == expected.shape)
      // Torch keeps NaN payloads differently; every other value must be bit for bit.
      let pairs = (0..<values.scalars.count).filter { !values.scalars[$0].isNaN }
      for index in pairs {
        #expect(
          bytes[2 * index..<2 * index + 2] == expected.bytes[2 * index..<2 * index + 2],
          "\(name)[\(index)] = \(values.scalars[index])")
      }
      #expect(written["double"]?.bytes == bytes)
      let nan: Tensor<Float> = try written.convertedTensor(named: name)
      #expect(
        values.scalars.indices.allSatisfy { nan.scalars[$0].isNaN == values.scalars[$0].isNaN })
    }
  }

  @Test func knownBitPatterns() throws {
    // (value, F16 bits, BF16 bits)
    let cases: [(Double, UInt16, UInt16)] = [
      (1, 0x3C00, 0x3F80), (-2, 0xC000, 0xC000), (65504, 0x7BFF, 0x4780),
      (0x1p-24, 0x0001, 0x3380), (0x1p-14, 0x0400, 0x3880), (0x1.ff8p-15, 0x03FF, 0x3880),
      (.infinity, 0x7C00, 0x7F80), (-0.0, 0x8000, 0x8000), (0x1p-133, 0x0000, 0x0001),
      (0.333251953125, 0x3555, 0x3EAB),
    ]
    for (value, f16, bf16) in cases {
      #expect(HalfPrecisionFormat.f16.encode(value) == f16, "F16 of \(value)")
      #expect(HalfPrecisionFormat.bf16.encode(value) == bf16, "BF16 of \(value)")
      #expect(
        HalfPrecisionFormat.f16.decode(f16)
          == HalfPrecisionFormat.f16.decode(HalfPrecisionFormat.f16.encode(value)))
    }
    #expect(HalfPrecisionFormat.f16.decode(0x0001) == 0x1p-24)
    #expect(HalfPrecisionFormat.f16.decode(0x7BFF) == 65504)
    #expect(HalfPrecisionFormat.f16.decode(0x7E00).isNaN)
    #expect(HalfPrecisionFormat.bf16.decode(0x0001) == 0x1p-133)
    #expect(HalfPrecisionFormat.bf16.decode(0xFF80) == -.infinity)
    // Every F16 pattern round-trips through its value (NaNs stay NaN).
    for bits in UInt16.min...UInt16.max {
      let value = HalfPrecisionFormat.f16.decode(bits)
      if value.isNaN { continue }
      #expect(HalfPrecisionFormat.f16.encode(value) == bits)
    }
  }

  @Test func integerTensorsAreNotConverted() throws {
    var file = SafeTensors()
    file.set([Int64(3)], shape: [], named: "count")
    #expect(
      throws: CheckpointError.dtypeMismatch(
        name: "count", stored: "I64", expected: "F16, BF16, F32 or F64")
    ) {
      let _: Tensor<Float> = try file.convertedTensor(named: "count")
    }
  }

  @Test func convBatchNormFixtureLoadsThroughTheMapping() throws {
    let file = try SafeTensors(contentsOf: PyTorchWeightsTests.url)
    let tests = PyTorchWeightsTests()
    let model = tests.convBatchNormModel()
    let skipped = try PyTorchWeights.load(
      file, into: model,
      mapping: [
        .convolution("0", "conv2d_0"), .normalization("1", "batchnorm_0"),
        .convolution("3", "conv2d_1"), .normalization("4", "batchnorm_1"),
      ])
    #expect(skipped.contains("1.num_batches_tracked") && skipped.contains("input"))
    tests.expectClose(
      model.predict(try file.tensor(named: "input")), try file.tensor(named: "expected_output"),
      "conv/batch norm output")
  }
}
