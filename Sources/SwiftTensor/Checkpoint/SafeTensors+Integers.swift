extension SafeTensors {
  /// The largest counter a checkpoint may hold: 2^53, the last integer that `Double` (and so a
  /// checkpoint written before counters were stored as `I64`) represents exactly.
  public static let maximumCounter = 1 << 53

  /// Stores signed 64-bit integers under `name` as an `I64` tensor, replacing (in place) a
  /// tensor already stored under it; counters are stored this way so that no step is rounded.
  ///
  /// - Parameters:
  ///   - values: the integers in row-major order; `values.count` is the product of `shape`.
  ///   - shape: the tensor's shape; `[]` for one scalar.
  ///   - name: any string except `__metadata__`.
  public mutating func set(_ values: [Int64], shape: [Int], named name: String) {
    tensorPrecondition(
      shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
      "SafeTensors.set: \(values.count) integers do not fill shape \(describe(shape: shape))")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * 8)
    for value in values {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    insert(Entry(name: name, dtype: .i64, shape: shape, bytes: bytes))
  }

  /// The integers of the `I64` tensor stored under `name`, in row-major order.
  ///
  /// - Throws: `CheckpointError.missingTensor` when no tensor has this name, and
  ///   `CheckpointError.dtypeMismatch` when it is not stored as `I64`.
  public func integers(named name: String) throws(CheckpointError) -> [Int64] {
    guard let entry = self[name] else { throw .missingTensor(name: name, available: names) }
    guard entry.dtype == .i64 else {
      throw .dtypeMismatch(name: name, stored: entry.dtype.rawValue, expected: "I64")
    }
    return stride(from: 0, to: entry.bytes.count, by: 8).map { start in
      var value: UInt64 = 0
      for index in (start..<start + 8).reversed() {
        value = value << 8 | UInt64(entry.bytes[index])
      }
      return Int64(bitPattern: value)
    }
  }

  /// Reads `count` counters stored under `name`, each checked to lie in
  /// `0...maximumCounter`.
  ///
  /// Counters are `I64`; checkpoints written before that stored them as `F32` or `F64`, which
  /// are accepted when every value is a finite integer in range.
  ///
  /// - Throws: `CheckpointError.missingTensor`, `.shapeMismatch` when the tensor does not hold
  ///   `count` values, `.dtypeMismatch` for another dtype, or `.invalidNumber` naming the value.
  func counters(
    named name: String, count: Int, source: String
  ) throws(CheckpointError) -> [Int] {
    guard let entry = self[name] else { throw .missingTensor(name: name, available: names) }
    guard entry.shape.reduce(1, *) == count, entry.shape.count <= 1 else {
      throw .shapeMismatch(name: name, stored: entry.shape, expected: count == 1 ? [] : [count])
    }
    let expected = "an integer from 0 to \(Self.maximumCounter)"
    let values: [Double]
    switch entry.dtype {
    case .i64:
      let integers = try self.integers(named: name)
      for value in integers where value < 0 || value > Self.maximumCounter {
        throw .invalidNumber(source: source, tensor: name, value: "\(value)", expected: expected)
      }
      return integers.map { Int($0) }
    case .f64: values = try tensor(named: name, as: Double.self).scalars
    case .f32: values = try tensor(named: name, as: Float.self).scalars.map(Double.init)
    default:
      throw .dtypeMismatch(name: name, stored: entry.dtype.rawValue, expected: "I64")
    }
    // The range test comes first: `Int(Double)` traps on NaN, infinities and values >= 2^63.
    for value in values
    where !(value >= 0 && value <= Double(Self.maximumCounter)) || value.rounded() != value {
      throw .invalidNumber(source: source, tensor: name, value: "\(value)", expected: expected)
    }
    return values.map { Int($0) }
  }
}
