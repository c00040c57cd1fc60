/// A small, fast, seedable random number generator (SplitMix64).
///
/// The same seed gives the same sequence on every platform, so seeded tensors, shuffles and
/// initialisations are reproducible. Not for cryptography.
///
/// References: G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// Creates a generator whose sequence is determined by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Pure-arithmetic elementary functions for random sampling: libm's `log` may differ by an ulp
/// between platforms, which would make "the same seed, the same tensor" false.
enum PortableMath {
  /// Natural logarithm of a positive finite `x`, to about 1 ulp, using only IEEE operations.
  static func log(_ x: Double) -> Double {
    var exponent = Double(x.exponent)
    var m = x.significand  // in [1, 2)
    if m > 1.4142135623730951 {
      m /= 2
      exponent += 1
    }
    // log(m) = 2·atanh(s) with |s| <= 0.172, so s² <= 0.0295 and 12 terms reach 1e-17.
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var series = 1.0 / 23
    var k = 21.0
    while k >= 1 {
      series = series * s2 + 1 / k
      k -= 2
    }
    let ln2High = 0.693_147_180_369_123_8
    let ln2Low = 1.908_214_929_270_587_7e-10
    return exponent * ln2High + (2 * s * series + exponent * ln2Low)
  }
}

extension Tensor {
  /// A tensor of `shape` with scalars drawn uniformly from `[lower, upper)`.
  public static func random(
    shape: [Int], lower: Scalar = 0, upper: Scalar = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    tensorPrecondition(
      lower <= upper, "random: lower bound \(lower) is above upper bound \(upper)")
    let count = elementCount(of: shape, operation: "random")
    let low = Double(lower)
    let width = Double(upper) - low
    var scalars = [Scalar]()
    scalars.reserveCapacity(count)
    for _ in 0..<count {
      let unit = Double(generator.next() >> 11) * 0x1p-53
      var value = Scalar(low + width * unit)
      // Rounding to Float can land on the excluded upper bound.
      if value >= upper && upper > lower { value = upper.nextDown }
      scalars.append(value)
    }
    return Tensor(shape: shape, scalars: scalars)
  }

  /// A tensor of `shape` with scalars drawn uniformly from `[lower, upper)`, from a seed.
  public static func random(
    shape: [Int], lower: Scalar = 0, upper: Scalar = 1, seed: UInt64
  ) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return random(shape: shape, lower: lower, upper: upper, using: &generator)
  }

  /// A tensor of `shape` with normally distributed scalars (Marsaglia's polar method).
  public static func randomNormal(
    shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Tensor {
    let count = elementCount(of: shape, operation: "randomNormal")
    var scalars = [Scalar]()
    scalars.reserveCapacity(count + 1)
    while scalars.count < count {
      let u = Double(generator.next() >> 11) * 0x1p-52 - 1
      let v = Double(generator.next() >> 11) * 0x1p-52 - 1
      let s = u * u + v * v
      if s >= 1 || s == 0 { continue }
      let factor = (-2 * PortableMath.log(s) / s).squareRoot()
      scalars.append(mean + standardDeviation * Scalar(u * factor))
      scalars.append(mean + standardDeviation * Scalar(v * factor))
    }
    scalars.removeLast(scalars.count - count)
    return Tensor(shape: shape, scalars: scalars)
  }

  /// A tensor of `shape` with normally distributed scalars, from a seed.
  public static func randomNormal(
    shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64
  ) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return randomNormal(
      shape: shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
  }
}
