import Foundation
import Testing

@testable import SwiftTensor

/// TensorBoard event files: the bytes against a file tensorboardX wrote
/// (`Fixtures/tensorboard_fixture.py` wrote `Fixtures/tensorboard_fixture.tfevents`), the
/// encoders' known values, errors, and the `Trainer` callback.
@Suite struct SummaryWriterTests {
  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/tensorboard_fixture.tfevents")

  func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// The events the fixture script wrote, written again by `SummaryWriter` with the same clock:
  /// byte for byte the same file (proto3 leaves out fields at their default, step 0 included).
  @Test func matchesTensorboardXByteForByte() throws {
    let wallTime = 1_700_000_000.25
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let writer = try SummaryWriter(directory: directory.path, clock: { wallTime })
    for (step, (loss, accuracy)) in [(2.5, 0.125), (1.25, 0.5), (0.625, 0.75)].enumerated() {
      try writer.addScalar("loss", loss, step: step * 10, wallTime: wallTime + Double(step))
      try writer.addScalar(
        "accuracy", accuracy, step: step * 10, wallTime: wallTime + Double(step))
    }
    try writer.addScalar("negative", -3.5, step: 7, wallTime: wallTime + 5)
    try writer.addScalar("zero", 0, step: 0, wallTime: wallTime + 5.5)
    try writer.addHistogram(
      "weights", values: [1, 2, 2, 4], step: 3, bucketCount: 3, wallTime: wallTime + 6)
    try writer.addText("notes/text_summary", "lr **0.01**", step: 4, wallTime: wallTime + 7)
    try writer.close()
    #expect(writer.path.hasPrefix(directory.path + "/events.out.tfevents.1700000000."))
    let ours = try bytes(writer.path)
    let theirs = [UInt8](try Data(contentsOf: Self.fixture))
    #expect(ours == theirs)
    let scalars = try #require(EventFileDecoder.scalars(ours))
    #expect(
      scalars.map(\.tag) == [
        "loss", "accuracy", "loss", "accuracy", "loss", "accuracy", "negative", "zero",
      ])
    #expect(scalars.map(\.step) == [0, 0, 10, 10, 20, 20, 7, 0])
    #expect(scalars.map(\.value) == [2.5, 0.125, 1.25, 0.5, 0.625, 0.75, -3.5, 0])
  }

  /// CRC-32C's check value, the TFRecord mask, and varints.
  @Test func encodersGiveKnownValues() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    let crc = CRC32C.checksum([1, 2, 3])
    #expect(CRC32C.masked([1, 2, 3]) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    var encoder = ProtocolBufferEncoder()
    encoder.appendVarint(300)
    encoder.int64(2, -1)
    #expect(encoder.bytes == [0xAC, 0x02, 0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
  }

  /// A directory that cannot be made (its parent is a file) and a closed writer throw.
  @Test func unwritableDirectoryAndClosedWriterThrow() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("plain-file").path
    #expect(FileManager.default.createFile(atPath: file, contents: Data()))
    #expect {
      _ = try SummaryWriter(directory: file + "/logs")
    } throws: { error in
      guard case .cannotCreateDirectory(let path, _) = error as? SummaryWriterError else {
        return false
      }
      return path == file + "/logs" || path == file
    }
    #expect(throws: SummaryWriterError.self) { _ = try SummaryWriter(directory: file) }
    let writer = try SummaryWriter(directory: directory.appendingPathComponent("a/b").path)
    let second = try SummaryWriter(
      directory: writer.directory, clock: { Date().timeIntervalSince1970 })
    #expect(second.path != writer.path)
    try writer.close()
    #expect(throws: SummaryWriterError.closed(path: writer.path)) {
      try writer.addScalar("loss", 1, step: 1)
    }
  }

  /// Histograms leave out non-finite values and give constant values one bucket.
  @Test func histogramsOfTensors() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let writer = try SummaryWriter(directory: directory.path)
    try writer.addHistogram("w", Tensor<Float>(shape: [3], scalars: [0.5, 0.5, .nan]), step: 1)
    try writer.addHistogram("none", values: [Double.infinity], step: 1)
    // Read while the writer is open: every event reaches the file as it is added.
    let records = try #require(EventFileDecoder.records(try bytes(writer.path)))
    #expect(records.count == 2)
    let summary = try #require(EventFileDecoder.fields(records[1])?.first { $0.number == 5 })
    let value = try #require(EventFileDecoder.fields(summary.bytes)?.first)
    let histogram = try #require(EventFileDecoder.fields(value.bytes)?.first { $0.number == 5 })
    let fields = try #require(EventFileDecoder.fields(histogram.bytes))
    func double(_ number: Int) -> Double? {
      fields.first { $0.number == number }.map { Double(bitPattern: $0.integer) }
    }
    #expect(double(1) == 0.5 && double(2) == 0.5 && double(3) == 2 && double(4) == 1)
    #expect(fields.first { $0.number == 6 }?.bytes.count == 8)
  }

  /// The callback logs the step scalars every step and the epoch scalars and histograms every
  /// epoch, with the gradient norm the trainer measured.
  @Test func trainerCallbackLogsStepsAndEpochs() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = Graph<Float>("linear", seed: 1) { Affine(2, 1) }
    let trainer = Trainer(model, loss: MeanSquaredErrorLoss(), optimizer: SGD(learningRate: 0.1))
    trainer.reportsProgress = false
    let batches = (0..<4).map { index in
      let x = Tensor<Float>.random(shape: [8, 2], lower: -1, upper: 1, seed: UInt64(index))
      return Batch(inputs: x, targets: x.matmul(Tensor<Float>(shape: [2, 1], scalars: [2, 3])))
    }
    let writer = try SummaryWriter(directory: directory.path)
    let callback = TensorBoardCallback(writer: writer, parameters: model.parameters)
    _ = try trainer.fit(
      epochs: 2, trainingBatches: { _ in batches }, validation: [batches[0]],
      callbacks: [callback])
    let file = try bytes(writer.path)
    let scalars = try #require(EventFileDecoder.scalars(file))
    let losses = scalars.filter { $0.tag == "step/loss" }
    #expect(losses.map(\.step) == Array(1...8))
    #expect(scalars.filter { $0.tag == "step/learning_rate" }.allSatisfy { $0.value == 0.1 })
    let norms = scalars.filter { $0.tag == "step/gradient_norm" }
    #expect(norms.count == 8 && norms.allSatisfy { $0.value > 0 && $0.value.isFinite })
    let epochTags = Set(scalars.filter { $0.tag.hasPrefix("epoch/") }.map(\.tag))
    #expect(
      epochTags == ["epoch/loss", "epoch/val_loss", "epoch/seconds", "epoch/skipped_batches"])
    #expect(scalars.filter { $0.tag == "epoch/loss" }.map(\.step) == [1, 2])
    let tags = EventFileDecoder.tags(file)
    for parameter in model.parameters {
      #expect(tags.filter { $0 == "parameters/\(parameter.path)" }.count == 2)
      #expect(tags.filter { $0 == "gradients/\(parameter.path)" }.count == 2)
    }
  }
}
