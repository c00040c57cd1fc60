// Half-precision (`F16`, `BF16`) tensors: exact widening on read, round-to-nearest-even on
// write, through `Double`, which holds every value of both formats exactly.

extension SafeTensors {
  /// The tensor stored under `name` as `F16`, `BF16`, `F32` or `F64`, converted to `Scalar`.
  ///
  /// `F16` and `BF16` values widen exactly (subnormals, infinities, signed zeros; a NaN stays
  /// a NaN); `F32` to `Double` is exact; `F64` to `Float` rounds to nearest even. Use
  /// `tensor(named:as:)` to refuse any conversion.
  ///
  /// - Parameters:
  ///   - name: the tensor's name.
  ///   - type: `Float.self` or `Double.self`.
  /// - Returns: a tensor of the stored shape.
  /// - Throws: `CheckpointError.missingTensor` when no tensor has this name, and
  ///   `CheckpointError.dtypeMismatch` when it is stored as an integer or boolean dtype.
  public func convertedTensor<Scalar: TensorScalar>(
    named name: String, as type: Scalar.Type = Scalar.self
  ) throws(CheckpointError) -> Tensor<Scalar> {
    guard let entry = self[name] else { throw .missingTensor(name: name, available: names) }
    let format: HalfPrecisionFormat
    switch entry.dtype {
    case .f16: format = .f16
    case .bf16: format = .bf16
    case .f32, .f64:
      if entry.dtype == DType(Scalar.self) { return try tensor(named: name, as: type) }
      let scalars: [Double] =
        entry.dtype == .f32
        ? try tensor(named: name, as: Float.self).scalars.map(Double.init)
        : try tensor(named: name, as: Double.self).scalars
      return Tensor(shape: entry.shape, scalars: scalars.map { Scalar($0) })
    default:
      throw .dtypeMismatch(
        name: name, stored: entry.dtype.rawValue, expected: "F16, BF16, F32 or F64")
    }
    let bytes = entry.bytes
    let scalars = stride(from: 0, to: bytes.count, by: 2).map { start in
      Scalar(format.decode(UInt16(bytes[start]) | UInt16(bytes[start + 1]) << 8))
    }
    return Tensor(shape: entry.shape, scalars: scalars)
  }

  /// Stores `tensor` under `name` with the element type `dtype`, replacing (in place) a
  /// tensor already stored under it.
  ///
  /// `F16` and `BF16` round each value to nearest, ties to even, as PyTorch's `.half()` and
  /// `.bfloat16()` do: values beyond the format's range become infinities, values below its
  /// smallest subnormal become signed zeros, and NaN stays NaN. `F32` and `F64` are
  /// `set(_:named:)` (a `Double` tensor stored as `F32` rounds the same way).
  ///
  /// - Parameters:
  ///   - tensor: any shape.
  ///   - name: any string except `__metadata__`.
  ///   - dtype: `.f16`, `.bf16`, `.f32` or `.f64`; an integer dtype stops the program.
  public mutating func set<Scalar: TensorScalar>(
    _ tensor: Tensor<Scalar>, named name: String, as dtype: DType
  ) {
    let doubles = tensor.scalars.map { Double($0) }
    switch dtype {
    case .f32:
      set(Tensor<Float>(shape: tensor.shape, scalars: doubles.map { Float($0) }), named: name)
    case .f64:
      set(Tensor<Double>(shape: tensor.shape, scalars: doubles), named: name)
    case .f16, .bf16:
      let format: HalfPrecisionFormat = dtype == .f16 ? .f16 : .bf16
      var bytes: [UInt8] = []
      bytes.reserveCapacity(doubles.count * 2)
      for value in doubles {
        let bits = format.encode(value)
        bytes.append(UInt8(truncatingIfNeeded: bits))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
      }
      insert(Entry(name: name, dtype: dtype, shape: tensor.shape, bytes: bytes))
    default:
      tensorFailure("SafeTensors.set: cannot store floating-point values as \(dtype.rawValue)")
    }
  }
}

/// A 16-bit binary floating-point format: IEEE 754 half (`F16`: 5 exponent bits, 10 fraction
/// bits) or bfloat16 (`BF16`: 8 and 7).
struct HalfPrecisionFormat {
  /// Exponent bits.
  let exponentBits: Int
  /// Fraction (stored significand) bits.
  let fractionBits: Int

  /// IEEE 754 binary16.
  static let f16 = HalfPrecisionFormat(exponentBits: 5, fractionBits: 10)
  /// bfloat16.
  static let bf16 = HalfPrecisionFormat(exponentBits: 8, fractionBits: 7)

  /// The exponent bias: 15 or 127.
  var bias: Int { (1 << (exponentBits - 1)) - 1 }
  /// The all-ones exponent field (infinities and NaNs).
  var maximumExponentField: UInt16 { UInt16((1 << exponentBits) - 1) }

  /// The exact value of `bits`.
  func decode(_ bits: UInt16) -> Double {
    let negative = bits & 0x8000 != 0
    let exponent = (bits >> fractionBits) & maximumExponentField
    let fraction = Double(bits & UInt16((1 << fractionBits) - 1))
    let magnitude: Double
    if exponent == maximumExponentField {
      magnitude = fraction == 0 ? .infinity : .nan
    } else if exponent == 0 {
      magnitude = Double(sign: .plus, exponent: 1 - bias - fractionBits, significand: fraction)
    } else {
      let significand = 1 + fraction / Double(1 << fractionBits)
      magnitude = Double(sign: .plus, exponent: Int(exponent) - bias, significand: significand)
    }
    return negative ? -magnitude : magnitude
  }

  /// The bits of the value nearest `value` (ties to even); beyond the range, an infinity.
  func encode(_ value: Double) -> UInt16 {
    let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
    let infinity = maximumExponentField << fractionBits
    if value.isNaN { return sign | infinity | UInt16(1 << (fractionBits - 1)) }
    let magnitude = Swift.abs(value)
    if magnitude.isInfinite { return sign | infinity }
    if magnitude == 0 { return sign }
    // The spacing of representable values around `magnitude`: 2^(e - fractionBits) for a
    // normal exponent e, and the subnormal spacing below the smallest normal.
    let minimumExponent = 1 - bias
    let exponent = Swift.max(Int(magnitude.exponent), minimumExponent)
    let quantum = Double(sign: .plus, exponent: exponent - fractionBits, significand: 1)
    let units = (magnitude / quantum).rounded(.toNearestOrEven)  // exact: a power-of-2 scale
    let rounded = units * quantum
    if rounded < Double(sign: .plus, exponent: minimumExponent, significand: 1) {
      return sign | UInt16(units)  // subnormal (or, when units rounds up to 2^fraction, the
      // smallest normal, whose bits are the same number)
    }
    let roundedExponent = Int(rounded.exponent)
    guard roundedExponent <= bias else { return sign | infinity }
    let fraction =
      rounded / Double(sign: .plus, exponent: roundedExponent - fractionBits, significand: 1)
      - Double(1 << fractionBits)
    return sign | UInt16(roundedExponent + bias) << fractionBits | UInt16(fraction)
  }
}
