import Foundation
import Testing

@testable import SwiftTensor

/// Corrupted variants of a real checkpoint go through the reader, `Model.load`,
/// `Trainer.resume` and one epoch of training: each must throw or work, never trap.
///
/// `SWIFTTENSOR_FUZZ_VARIANTS` sets the number of variants (300 by default) and
/// `SWIFTTENSOR_FUZZ_SEED` the seed, for long runs:
/// `SWIFTTENSOR_FUZZ_VARIANTS=10000 swift test --filter CheckpointFuzz`.
@Suite struct CheckpointFuzzTests {
  static let environment = ProcessInfo.processInfo.environment
  static let variantCount = environment["SWIFTTENSOR_FUZZ_VARIANTS"].flatMap { Int($0) } ?? 300
  static let seed = environment["SWIFTTENSOR_FUZZ_SEED"].flatMap { UInt64($0) } ?? 16

  /// Header tokens worth swapping in: edge numbers, other dtypes, broken syntax.
  static let replacements = [
    "-1", "0", "1", "7", "4294967296", "9223372036854775807", "9223372036854775808", "1e20",
    "1.5", "-0", "NaN", "\"F64\"", "\"F32\"", "\"I64\"", "\"F16\"", "\"BOOL\"", "\"X\"", "[]",
    "[0]", "[0,0]", "[1,1,1]", "{}", "null", "", "\"", "[", "}",
  ]
  /// Numbers written into counters and optimiser state.
  static let numbers: [Double] = [
    .nan, .infinity, -.infinity, -1, 0.5, 1e20, 9.3e18, 16_777_217, 0, 1, -0.0, 1e-300,
  ]

  @Test func corruptedCheckpointsThrowOrLoad() throws {
    let fixture = try ResumeFixture(Adam<Float>(learningRate: 0.01))
    defer { fixture.removeDirectory() }
    let original = Array(try Data(contentsOf: fixture.url))
    let parsed = try SafeTensors(bytes: original)
    let url = fixture.directory.appendingPathComponent("variant.safetensors")
    let inputs = Tensor<Float>.random(shape: [12, 4], seed: 3)
    let data = Dataset(inputs: inputs, labels: (0..<12).map { $0 % 3 })
    var generator = SeededGenerator(seed: Self.seed)
    var outcomes = (parseErrors: 0, loadErrors: 0, resumeErrors: 0, resumed: 0)
    let start = Date()
    for index in 0..<Self.variantCount {
      let variant = mutate(original, parsed: parsed, using: &generator)
      guard let file = try? SafeTensors(bytes: variant, source: "variant \(index)") else {
        outcomes.parseErrors += 1
        continue
      }
      let model = ResumeFixture<Adam<Float>>.makeTrainer(Adam()).model
      if (try? model.load(file)) == nil { outcomes.loadErrors += 1 }
      try Data(variant).write(to: url)
      let trainer = ResumeFixture<Adam<Float>>.makeTrainer(Adam(learningRate: 0.01))
      do {
        try trainer.resume(from: url)
      } catch {
        outcomes.resumeErrors += 1
        continue
      }
      outcomes.resumed += 1
      // Numbers that load but cannot be trained from would trap here.
      _ = try trainer.fit(data, epochs: 1, batchSize: 4)
    }
    let seconds = Date().timeIntervalSince(start)
    print(
      "CheckpointFuzz: \(Self.variantCount) variants, seed \(Self.seed), "
        + "\(String(format: "%.1f", seconds)) s: \(outcomes.parseErrors) unreadable, "
        + "\(outcomes.loadErrors) refused by Model.load, \(outcomes.resumeErrors) refused by "
        + "resume, \(outcomes.resumed) resumed and trained")
    #expect(outcomes.parseErrors > 0 && outcomes.resumed > 0, "the mutations reach every layer")
  }

  /// One corrupted variant of `bytes`.
  func mutate(
    _ bytes: [UInt8], parsed: SafeTensors, using generator: inout SeededGenerator
  ) -> [UInt8] {
    var bytes = bytes
    let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
    switch Int.random(in: 0..<6, using: &generator) {
    case 0:  // bit flips anywhere
      for _ in 0..<Int.random(in: 1...4, using: &generator) {
        bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^=
          1 << UInt8.random(in: 0..<8, using: &generator)
      }
    case 1:  // truncation or trailing bytes
      if Bool.random(using: &generator) {
        bytes.removeLast(Int.random(in: 1...bytes.count, using: &generator))
      } else {
        bytes += [UInt8](repeating: 0, count: Int.random(in: 1...16, using: &generator))
      }
    case 2:  // a bit flip in the header, where lengths, offsets, dtypes and shapes live
      bytes[Int.random(in: 0..<headerEnd, using: &generator)] ^=
        1 << UInt8.random(in: 0..<8, using: &generator)
    case 3:  // a header token replaced, its length kept in the prefix
      var header = String(decoding: bytes[8..<headerEnd], as: UTF8.self)
      let tokens = header.matches(of: /-?[0-9]+|"[A-Z0-9]+"|\[[0-9,]*\]/)
      if let token = tokens.randomElement(using: &generator),
        let replacement = Self.replacements.randomElement(using: &generator)
      {
        header.replaceSubrange(token.range, with: replacement)
      }
      let json = Array(header.utf8)
      bytes =
        withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
        + bytes[headerEnd...]
    case 4:  // a counter or optimiser number replaced, well-formed otherwise
      var file = parsed
      let value = Self.numbers.randomElement(using: &generator) ?? 0
      switch Int.random(in: 0..<4, using: &generator) {
      case 0: file.set(Tensor<Double>([value, 1]), named: "trainer/counters")
      case 1: file.set(Tensor<Float>(Float(value)), named: "optimizer/step")
      case 2:
        file.set(
          Tensor<Float>(repeating: Float(value), shape: [4, 5]), named: "optimizer/affine_0/W/v")
      default: file.set([Int64(bitPattern: generator.next())], shape: [], named: "optimizer/step")
      }
      return file.encoded()
    default:  // the header length itself
      let length =
        [0, 1, headerEnd - 9, headerEnd, Int(UInt32.max), Int.max]
        .randomElement(using: &generator) ?? 0
      withUnsafeBytes(of: UInt64(length).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
    }
    return bytes
  }
}
