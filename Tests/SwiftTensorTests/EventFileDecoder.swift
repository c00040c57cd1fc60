@testable import SwiftTensor

/// A test-side reader of TensorBoard event files: splits TFRecords (checking both masked
/// CRC-32Cs) and decodes the protocol-buffer fields the tests look at.
struct EventFileDecoder {
  /// One decoded field: its number and either an integer (varint, fixed32, fixed64 bits) or
  /// the bytes of a length-delimited field.
  struct Field {
    var number: Int
    var integer: UInt64 = 0
    var bytes: [UInt8] = []
  }

  /// The records' payloads; `nil` when the framing or a checksum is wrong.
  static func records(_ file: [UInt8]) -> [[UInt8]]? {
    var records: [[UInt8]] = []
    var offset = 0
    func littleEndian(_ start: Int, _ count: Int) -> UInt64 {
      (0..<count).reduce(0) { $0 | UInt64(file[start + $1]) << (8 * $1) }
    }
    while offset < file.count {
      guard offset + 12 <= file.count else { return nil }
      let length = Int(littleEndian(offset, 8))
      guard UInt32(littleEndian(offset + 8, 4)) == CRC32C.masked(file[offset..<offset + 8]),
        offset + 16 + length <= file.count
      else { return nil }
      let data = Array(file[offset + 12..<offset + 12 + length])
      guard UInt32(littleEndian(offset + 12 + length, 4)) == CRC32C.masked(data) else {
        return nil
      }
      records.append(data)
      offset += 16 + length
    }
    return records
  }

  /// The fields of a message, in order; `nil` when it is malformed.
  static func fields(_ message: [UInt8]) -> [Field]? {
    var fields: [Field] = []
    var offset = 0
    func varint() -> UInt64? {
      var (value, shift) = (UInt64(0), UInt64(0))
      while offset < message.count, shift < 64 {
        let byte = message[offset]
        offset += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
      }
      return nil
    }
    while offset < message.count {
      guard let key = varint() else { return nil }
      var field = Field(number: Int(key >> 3))
      switch key & 7 {
      case 0:
        guard let value = varint() else { return nil }
        field.integer = value
      case 1, 5:
        let size = key & 7 == 1 ? 8 : 4
        guard offset + size <= message.count else { return nil }
        field.integer = (0..<size).reduce(0) { $0 | UInt64(message[offset + $1]) << (8 * $1) }
        offset += size
      case 2:
        guard let length = varint(), offset + Int(length) <= message.count else { return nil }
        field.bytes = Array(message[offset..<offset + Int(length)])
        offset += Int(length)
      default: return nil
      }
      fields.append(field)
    }
    return fields
  }

  /// The scalars of a file: (step, tag, value) for every `simple_value`.
  static func scalars(_ file: [UInt8]) -> [(step: Int, tag: String, value: Float)]? {
    guard let records = records(file) else { return nil }
    var result: [(step: Int, tag: String, value: Float)] = []
    for record in records {
      guard let event = fields(record) else { return nil }
      let step = Int(bitPattern: UInt(event.first { $0.number == 2 }?.integer ?? 0))
      for summary in event where summary.number == 5 {
        for value in fields(summary.bytes) ?? [] where value.number == 1 {
          let entry = fields(value.bytes) ?? []
          guard let tag = entry.first(where: { $0.number == 1 }) else { continue }
          guard let simple = entry.first(where: { $0.number == 2 }) else { continue }
          result.append(
            (
              step, String(decoding: tag.bytes, as: UTF8.self),
              Float(bitPattern: UInt32(simple.integer))
            ))
        }
      }
    }
    return result
  }

  /// The tags of every summary value in a file, in order.
  static func tags(_ file: [UInt8]) -> [String] {
    (records(file) ?? []).flatMap { record in
      (fields(record) ?? []).filter { $0.number == 5 }.flatMap { summary in
        (fields(summary.bytes) ?? []).filter { $0.number == 1 }.compactMap { value in
          (fields(value.bytes) ?? []).first { $0.number == 1 }
            .map { String(decoding: $0.bytes, as: UTF8.self) }
        }
      }
    }
  }
}
