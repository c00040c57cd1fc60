/// CRC-32C (the Castagnoli polynomial, reflected `0x82F63B78`), table-driven, and the masked
/// form that TFRecord files store next to each length and payload.
enum CRC32C {
  /// The remainder of every byte value, computed once.
  static let table: [UInt32] = (0..<256).map { byte in
    var remainder = UInt32(byte)
    for _ in 0..<8 {
      remainder = remainder & 1 == 1 ? (remainder >> 1) ^ 0x82F6_3B78 : remainder >> 1
    }
    return remainder
  }

  /// The CRC-32C of `bytes` (`0xE3069283` for the ASCII digits "123456789").
  static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
    table.withUnsafeBufferPointer { table in
      var crc: UInt32 = 0xFFFF_FFFF
      for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
      return crc ^ 0xFFFF_FFFF
    }
  }

  /// The checksum rotated right by 15 bits plus a constant, as TFRecord stores it (so that a
  /// CRC of data that itself holds CRCs stays informative).
  static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
    let crc = checksum(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
