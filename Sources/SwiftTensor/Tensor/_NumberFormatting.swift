// Number formatting for `Tensor.description`: a port of numpy's `FloatingFormat` (numpy 2.x,
// default print options: precision 8, floatmode "maxprec", suppress off) and of the rule numpy
// uses for `str()` of a floating scalar. Digits come from Swift's shortest round-trip
// `description` of the value in its own type; where numpy rounds (a precision cap, or padding
// beyond the shortest digits), the exact binary value is expanded in decimal and rounded
// half-to-even, as numpy's Dragon4 does.

/// The decimal digits of a float's magnitude: `d0.d1d2... × 10^exponent`.
struct _DecimalDigits {
  /// Significant digits, without trailing zeros (`[0]` for zero).
  var digits: [UInt8]
  /// Power of ten of the first digit.
  var exponent: Int

  /// The shortest digits that round-trip to `x` in its own type (`x` finite).
  init<F: BinaryFloatingPoint>(shortest x: F) {
    let text = String(describing: x.magnitude)
    let parts = text.split(separator: "e", maxSplits: 1)
    let power = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
    let integer = mantissa[0].utf8.map { $0 - 48 }
    let all = integer + (mantissa.count > 1 ? mantissa[1].utf8.map { $0 - 48 } : [])
    let leadingZeros = all.prefix { $0 == 0 }.count
    self.init(
      trimming: Array(all.dropFirst(leadingZeros)),
      exponent: power + integer.count - 1 - leadingZeros)
  }

  /// The exact decimal expansion of the binary value `x` (finite).
  init(exact x: Double) {
    let magnitude = x.magnitude
    guard magnitude != 0 else {
      self.init(trimming: [], exponent: 0)
      return
    }
    var significand = magnitude.significandBitPattern
    var power = -1074
    if magnitude.isNormal {
      significand |= 1 << 52
      power = Int(magnitude.exponentBitPattern) - 1075
    }
    // magnitude = significand × 2^power = (significand × 5^-power) × 10^power when power < 0.
    var value = _BigUInt(significand)
    if power >= 0 {
      value.multiply(byPowerOf: 2, power)
    } else {
      value.multiply(byPowerOf: 5, -power)
    }
    let text = value.decimalDigits()
    self.init(trimming: text, exponent: text.count - 1 + min(power, 0))
  }

  /// Drops trailing zeros; an empty or all-zero list means zero.
  init(trimming digits: [UInt8], exponent: Int) {
    var digits = digits
    while digits.last == 0 { digits.removeLast() }
    if digits.isEmpty {
      self.digits = [0]
      self.exponent = 0
    } else {
      self.digits = digits
      self.exponent = exponent
    }
  }

  /// Whether the value is zero.
  var isZero: Bool { digits == [0] }

  /// The number of digits after the decimal point in positional notation.
  var fractionDigitCount: Int { max(0, digits.count - 1 - exponent) }

  /// These digits rounded half-to-even to at most `count` significant digits (`count` may be
  /// zero or negative, meaning a rounding position left of the first digit).
  func rounded(toSignificant count: Int) -> _DecimalDigits {
    guard !isZero, digits.count > count else { return self }
    guard count >= 0 else { return _DecimalDigits(trimming: [], exponent: 0) }
    // A leading 0 makes the kept part non-empty, so rounding can carry into it.
    let padded: [UInt8] = [0] + digits
    let kept = count + 1
    var result = Array(padded.prefix(kept))
    let next = padded[kept]
    let sticky = padded[(kept + 1)...].contains { $0 != 0 }
    if next > 5 || (next == 5 && (sticky || result[kept - 1] % 2 == 1)) {
      var index = kept - 1
      while result[index] == 9 {
        result[index] = 0
        index -= 1
      }
      result[index] += 1
    }
    let leadingZeros = result.prefix { $0 == 0 }.count
    return _DecimalDigits(
      trimming: Array(result.dropFirst(leadingZeros)), exponent: exponent + 1 - leadingZeros)
  }

  /// The integer and fraction digits in positional notation, without sign.
  var positionalParts: (integer: String, fraction: String) {
    let text = String(decoding: digits.map { $0 + 48 }, as: UTF8.self)
    if exponent < 0 {
      return ("0", String(repeating: "0", count: -exponent - 1) + (isZero ? "" : text))
    }
    if digits.count <= exponent + 1 {
      return (text + String(repeating: "0", count: exponent + 1 - digits.count), "")
    }
    let split = text.index(text.startIndex, offsetBy: exponent + 1)
    return (String(text[..<split]), String(text[split...]))
  }

  /// `e+05` style exponent with at least `width` digits.
  func exponentText(width: Int) -> String {
    let magnitude = String(exponent.magnitude)
    let zeros = String(repeating: "0", count: max(0, width - magnitude.count))
    return (exponent < 0 ? "e-" : "e+") + zeros + magnitude
  }
}

/// A minimal unsigned big integer (little-endian 32-bit limbs) for exact decimal expansion.
struct _BigUInt {
  /// Limbs, least significant first.
  var limbs: [UInt32]

  /// The value `value`.
  init(_ value: UInt64) {
    limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
  }

  /// Multiplies by `factor`.
  mutating func multiply(by factor: UInt32) {
    var carry: UInt64 = 0
    for index in limbs.indices {
      let product = UInt64(limbs[index]) * UInt64(factor) + carry
      limbs[index] = UInt32(truncatingIfNeeded: product)
      carry = product >> 32
    }
    if carry != 0 { limbs.append(UInt32(carry)) }
  }

  /// Multiplies by `base^count` (`base` at most 10).
  mutating func multiply(byPowerOf base: UInt32, _ count: Int) {
    var chunk: UInt32 = 1
    var chunkCount = 0
    while UInt64(chunk) * UInt64(base) <= UInt64(UInt32.max) {
      chunk *= base
      chunkCount += 1
    }
    var remaining = count
    while remaining >= chunkCount {
      multiply(by: chunk)
      remaining -= chunkCount
    }
    for _ in 0..<remaining { multiply(by: base) }
  }

  /// The decimal digits, most significant first (`[0]` for zero).
  func decimalDigits() -> [UInt8] {
    var limbs = self.limbs
    var groups: [UInt32] = []  // base-10^9 groups, least significant first
    while limbs.last == 0 { limbs.removeLast() }
    while !limbs.isEmpty {
      var remainder: UInt64 = 0
      for index in limbs.indices.reversed() {
        let current = remainder << 32 | UInt64(limbs[index])
        limbs[index] = UInt32(current / 1_000_000_000)
        remainder = current % 1_000_000_000
      }
      groups.append(UInt32(remainder))
      while limbs.last == 0 { limbs.removeLast() }
    }
    var result: [UInt8] = []
    for (position, group) in groups.reversed().enumerated() {
      let text = String(group).utf8.map { $0 - 48 }
      if position > 0 { result += Array(repeating: 0, count: 9 - text.count) }
      result += text
    }
    return result.isEmpty ? [0] : result
  }
}

/// numpy's `FloatingFormat` with default options: decides positional or scientific notation
/// from all the values shown, then formats each value to a common width.
struct _FloatFormatter<Scalar: TensorScalar> {
  /// Scientific (`1.5e+10`) rather than positional (`1.5`) notation.
  private var scientific = false
  /// Characters left of the decimal point (including the sign).
  private var padLeft = 0
  /// Characters right of the decimal point (in scientific notation, including the exponent).
  private var padRight = 0
  /// Fraction digits of the mantissa in scientific notation.
  private var precision = 0
  /// Minimum exponent digits in scientific notation.
  private var exponentWidth = 2

  /// numpy's `np.finfo(dtype).precision`: decimal digits the type resolves (6 for `Float`).
  static var typePrecision: Int {
    Int(Double(Scalar.significandBitCount) * 0.301_029_995_663_981_2)
  }

  /// At most 8 fraction digits: the shortest digits, or the exact value rounded.
  private static func positionalDigits(_ x: Scalar) -> _DecimalDigits {
    let shortest = _DecimalDigits(shortest: x)
    if shortest.fractionDigitCount <= 8 { return shortest }
    let exact = _DecimalDigits(exact: Double(x))
    return exact.rounded(toSignificant: exact.exponent + 1 + 8)
  }

  /// Prepares to format `values` (the values that will be shown) the way numpy would.
  init(values: [Scalar]) {
    let finite = values.filter { $0.isFinite }
    let nonZero = finite.lazy.filter { $0 != 0 }.map { $0.magnitude }
    // Compared in `Scalar` arithmetic, as numpy does (Python floats are weakly typed).
    if let largest = nonZero.max(), let smallest = nonZero.min() {
      var cutoff: Double = 1
      for _ in 0..<min(8, Self.typePrecision) { cutoff *= 10 }
      scientific =
        largest >= Scalar(cutoff) || smallest < Scalar(0.0001 as Double)
        || largest / smallest > Scalar(1000)
    }
    if finite.isEmpty {
      padLeft = 0
      padRight = 0
    } else if scientific {
      for x in finite {
        var digits = _DecimalDigits(shortest: x)
        if digits.digits.count > 9 {
          digits = _DecimalDigits(exact: Double(x)).rounded(toSignificant: 9)
        }
        exponentWidth = max(exponentWidth, String(digits.exponent.magnitude).count)
        precision = max(precision, digits.digits.count - 1)
        padLeft = max(padLeft, x.sign == .minus ? 2 : 1)
      }
      padRight = exponentWidth + 2 + precision
    } else {
      for x in finite {
        let parts = Self.positionalDigits(x).positionalParts
        padLeft = max(padLeft, parts.integer.count + (x.sign == .minus ? 1 : 0))
        padRight = max(padRight, parts.fraction.count)
      }
    }
    if finite.count != values.count {
      let negativeInfinity = values.contains { $0.isInfinite && $0 < 0 }
      let offset = padRight + 1
      padLeft = max(padLeft, 3 - offset, 3 + (negativeInfinity ? 1 : 0) - offset)
    }
  }

  /// `x` padded to the common width.
  func format(_ x: Scalar) -> String {
    guard x.isFinite else {
      let text = x.isNaN ? "nan" : x < 0 ? "-inf" : "inf"
      return String(repeating: " ", count: max(0, padLeft + padRight + 1 - text.count)) + text
    }
    let sign = x.sign == .minus ? "-" : ""
    if scientific {
      let digits = _DecimalDigits(exact: Double(x)).rounded(toSignificant: precision + 1)
      let all = digits.digits + Array(repeating: 0, count: precision + 1 - digits.digits.count)
      let integer = sign + String(all[0])
      let fraction = String(decoding: all.dropFirst().map { $0 + 48 }, as: UTF8.self)
      return String(repeating: " ", count: max(0, padLeft - integer.count)) + integer + "."
        + fraction + digits.exponentText(width: exponentWidth)
    }
    let parts = Self.positionalDigits(x).positionalParts
    let integer = sign + parts.integer
    return String(repeating: " ", count: max(0, padLeft - integer.count)) + integer + "."
      + parts.fraction + String(repeating: " ", count: max(0, padRight - parts.fraction.count))
  }

  /// numpy's `str()` of a floating scalar: shortest digits, positional (`1.0`, `0.1`) for
  /// magnitudes in [1e-4, 10^typePrecision) (10^16 for `Double`), else scientific (`1e+16`).
  static func scalarString(_ x: Scalar) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : x < 0 ? "-inf" : "inf" }
    let sign = x.sign == .minus ? "-" : ""
    let digits = _DecimalDigits(shortest: x)
    let magnitude = Double(x.magnitude)
    var cutoff: Double = 1
    for _ in 0..<(typePrecision >= 15 ? 16 : typePrecision) { cutoff *= 10 }
    if magnitude == 0 || (magnitude < cutoff && magnitude >= 1e-4) {
      let parts = digits.positionalParts
      return sign + parts.integer + "." + (parts.fraction.isEmpty ? "0" : parts.fraction)
    }
    let rest = String(decoding: digits.digits.dropFirst().map { $0 + 48 }, as: UTF8.self)
    return sign + String(digits.digits[0]) + (rest.isEmpty ? "" : "." + rest)
      + digits.exponentText(width: 2)
  }
}
