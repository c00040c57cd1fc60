/// A minimal protocol-buffer encoder: the wire types TensorBoard's messages use, with proto3's
/// rule that a field holding its default value (zero, empty) is not written.
///
/// Fields must be appended in ascending field-number order to match the bytes other encoders
/// produce (decoders accept any order).
struct ProtocolBufferEncoder {
  /// The message so far.
  private(set) var bytes: [UInt8] = []

  /// The wire types.
  enum WireType: UInt64 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
  }

  /// Appends `value` as a base-128 varint, low groups first.
  mutating func appendVarint(_ value: UInt64) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  /// Appends a field's key: its number and wire type.
  mutating func appendKey(_ field: Int, _ type: WireType) {
    appendVarint(UInt64(field) << 3 | type.rawValue)
  }

  /// Appends a little-endian 64-bit value.
  mutating func appendLittleEndian(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> shift))
    }
  }

  /// Appends a little-endian 32-bit value.
  mutating func appendLittleEndian(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> shift))
    }
  }

  /// An `int64`/`int32`/`enum` field (negative values take ten bytes, as in protobuf).
  mutating func int64(_ field: Int, _ value: Int64) {
    guard value != 0 else { return }
    appendKey(field, .varint)
    appendVarint(UInt64(bitPattern: value))
  }

  /// A `double` field.
  mutating func double(_ field: Int, _ value: Double) {
    guard value.bitPattern != 0 else { return }
    appendKey(field, .fixed64)
    appendLittleEndian(value.bitPattern)
  }

  /// A `float` field; `always` writes a zero too (a member of a `oneof`, which proto3 writes
  /// whenever it is set).
  mutating func float(_ field: Int, _ value: Float, always: Bool = false) {
    guard always || value.bitPattern != 0 else { return }
    appendKey(field, .fixed32)
    appendLittleEndian(value.bitPattern)
  }

  /// A `bytes` field, or an embedded message's encoding; `always` writes it even when empty
  /// (a message field that is set but holds only defaults).
  mutating func bytes(_ field: Int, _ value: [UInt8], always: Bool = false) {
    guard always || !value.isEmpty else { return }
    appendKey(field, .lengthDelimited)
    appendVarint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  /// A `string` field, as UTF-8.
  mutating func string(_ field: Int, _ value: String) {
    bytes(field, Array(value.utf8))
  }

  /// An embedded message built by `build`, written even when empty.
  mutating func message(_ field: Int, _ build: (inout ProtocolBufferEncoder) -> Void) {
    var inner = ProtocolBufferEncoder()
    build(&inner)
    bytes(field, inner.bytes, always: true)
  }

  /// A `repeated double` field, packed (proto3's default).
  mutating func packedDoubles(_ field: Int, _ values: [Double]) {
    guard !values.isEmpty else { return }
    appendKey(field, .lengthDelimited)
    appendVarint(UInt64(values.count * 8))
    for value in values { appendLittleEndian(value.bitPattern) }
  }
}
