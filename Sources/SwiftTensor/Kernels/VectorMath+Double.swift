// Double kernels. exp uses the Taylor series to degree 13 (truncation error < 1e-17 relative
// on the reduced range, so only rounding remains); log uses fdlibm's `log` reduction and
// minimax polynomial.

extension VectorMath {
  /// `e^x` per lane: overflows to `+infinity` above ~709.78, underflows through subnormals
  /// to 0 below ~-745.13; NaN stays NaN.
  @inline(__always)
  static func exp(_ x: SIMD4<Double>) -> SIMD4<Double> {
    // The clamp keeps `n` inside the two-step scaling's range while still saturating to
    // inf / 0 at the ends; NaN compares false and passes through.
    var x = x.replacing(with: 710, where: x .> 710)
    x = x.replacing(with: -746, where: x .< -746)
    let (n, r) = reduce(x)
    let p = expm1Reduced(r) + 1
    // n spans -1076...1024, beyond a single normal scale factor 2^-1022...2^1023. Splitting n
    // keeps both factors normal; p * 2^n1 is exact, so the result is rounded only once,
    // including into the subnormal range.
    let n1 = n &>> 1
    return p * powerOfTwo(n1) * powerOfTwo(n &- n1)
  }

  /// Natural logarithm per lane: `-infinity` at ±0, NaN below 0, `+infinity` at `+infinity`,
  /// NaN stays NaN; accurate for subnormal inputs (scaled up before decomposition).
  @inline(__always)
  static func log(_ x: SIMD4<Double>) -> SIMD4<Double> {
    // A subnormal's exponent field is 0 and its significand is not normalised; scaling by
    // 2^54 makes it normal, and the 54 is taken back out of the exponent.
    let tiny = x .< Double.leastNormalMagnitude
    let scaled = x.replacing(with: x * 0x1p54, where: tiny)
    let b = bits(scaled)
    // Exponent as a double without an int-to-double conversion (which has no SSE2/AVX2
    // vector form for 64-bit integers): OR the biased exponent into the significand of 2^52
    // and subtract 2^52.
    var k = double(((b &>> 52) & 0x7FF) | 0x4330_0000_0000_0000) - (0x1p52 + 1022)
    k = k.replacing(with: k - 54, where: tiny)
    // Significand m in [0.5, 1), re-centred to [sqrt(1/2), sqrt(2)) so that f = m - 1 is
    // small on both sides of 1 and log(1 + f) has no cancellation near x = 1; 2m and m - 1
    // are exact (Sterbenz).
    let m = double((b & 0x000F_FFFF_FFFF_FFFF) | 0x3FE0_0000_0000_0000)
    let low = m .< 0.707_106_781_186_547_524_4
    let f = m.replacing(with: m + m, where: low) - 1
    k = k.replacing(with: k - 1, where: low)
    // fdlibm: log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with s = f / (2 + f), |s| < 0.172.
    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    var t1: SIMD4<Double> = SIMD4(repeating: 1.531_383_769_920_937_332e-01)
    t1 = multiplyAdd(t1, w, SIMD4(repeating: 2.222_219_843_214_978_396e-01))
    t1 = multiplyAdd(t1, w, SIMD4(repeating: 3.999_999_999_940_941_908e-01))
    var t2: SIMD4<Double> = SIMD4(repeating: 1.479_819_860_511_658_591e-01)
    t2 = multiplyAdd(t2, w, SIMD4(repeating: 1.818_357_216_161_805_012e-01))
    t2 = multiplyAdd(t2, w, SIMD4(repeating: 2.857_142_874_366_239_149e-01))
    t2 = multiplyAdd(t2, w, SIMD4(repeating: 6.666_666_666_666_735_130e-01))
    let rr = multiplyAdd(t1, w, t2 * z)
    let hfsq = (f * f) * SIMD4(repeating: 0.5)
    // ln 2 split in two (Cody-Waite) so that k * ln2High is exact; the small terms are
    // summed first, f and k * ln2High last.
    let tail = multiplyAdd(s, hfsq + rr, k * SIMD4(repeating: 1.908_214_929_270_587_700_02e-10))
    var result = multiplyAdd(
      k, SIMD4(repeating: 6.931_471_803_691_238_164_90e-01), f - (hfsq - tail))
    result = result.replacing(with: -.infinity, where: x .== 0)
    result = result.replacing(with: .nan, where: x .< 0)
    // +infinity and NaN (neither is < +infinity) are their own logarithm.
    return result.replacing(with: x, where: .!(x .< .infinity))
  }

  /// Hyperbolic tangent per lane: odd, exactly ±1 for large |x| and at ±infinity, `x` itself
  /// for tiny |x|; NaN stays NaN.
  @inline(__always)
  static func tanh(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let sign = bits(x) & Int64.min
    var a = double(bits(x) & Int64.max)
    // tanh rounds to 1 beyond ~19.06; with |x| <= 20, expm1 cannot overflow, and
    // t / (t + 2) still rounds to exactly 1.
    a = a.replacing(with: 20, where: a .> 20)
    // tanh|x| = t / (t + 2) with t = expm1(2|x|). Unlike (e^2x - 1) / (e^2x + 1), this has no
    // cancellation for small |x|, so tanh(1e-10) is 1e-10 and subnormals map to themselves.
    let t = expm1NonNegative(a + a)
    return double(bits(t / (t + 2)) | sign)
  }

  /// Logistic sigmoid `1 / (1 + e^-x)` per lane: exactly 0 / 1 in the limits (never NaN for
  /// large |x|), accurate into the subnormal range for negative x; NaN stays NaN.
  @inline(__always)
  static func sigmoid(_ x: SIMD4<Double>) -> SIMD4<Double> {
    // e = e^-|x| never overflows (so no inf / inf), and for x < 0 the result is written as
    // e / (1 + e), which keeps full relative accuracy where 1 / (1 + e^-x) would round
    // e^-x to infinity and return 0 for a representable result.
    let e = exp(double(bits(x) | Int64.min))
    let d = 1 / (1 + e)
    return d.replacing(with: e * d, where: x .< 0)
  }
}

// MARK: - Building blocks

@inline(__always)
private func bits(_ x: SIMD4<Double>) -> SIMD4<Int64> {
  unsafeBitCast(x, to: SIMD4<Int64>.self)
}

@inline(__always)
private func double(_ b: SIMD4<Int64>) -> SIMD4<Double> {
  unsafeBitCast(b, to: SIMD4<Double>.self)
}

/// 2^n for n in -1022...1023 (no range check).
@inline(__always)
private func powerOfTwo(_ n: SIMD4<Int64>) -> SIMD4<Double> { double((n &+ 1023) &<< 52) }

/// Splits x into n * ln2 + r with integer n and |r| <= ln2 / 2; needs |x| < ~2^50.
@inline(__always)
private func reduce(_ x: SIMD4<Double>) -> (n: SIMD4<Int64>, r: SIMD4<Double>) {
  // Adding 1.5 * 2^52 pushes the fraction bits out, so the FPU rounds to nearest-even (no
  // `round` call), and n sits in the low significand bits of the same sum.
  let magic: Double = 0x1.8p52
  let shifted = multiplyAdd(
    x, SIMD4(repeating: 1.442_695_040_888_963_407_4), SIMD4(repeating: magic))
  let nf = shifted - magic
  // fdlibm's ln 2 split (Cody-Waite): the high part has 32 bits, so nf * high is exact for
  // |n| < 2^21 and x - nf * high is exact as well.
  var r = multiplyAdd(nf, SIMD4(repeating: -6.931_471_803_691_238_164_90e-01), x)
  r = multiplyAdd(nf, SIMD4(repeating: -1.908_214_929_270_587_700_02e-10), r)
  return (bits(shifted) &- bits(SIMD4(repeating: magic)), r)
}

/// e^r - 1 for |r| <= ln2 / 2, as r + r^2 * P(r) so that it keeps full relative accuracy as
/// r goes to 0.
@inline(__always)
private func expm1Reduced(_ r: SIMD4<Double>) -> SIMD4<Double> {
  var p: SIMD4<Double> = SIMD4(repeating: 1.605_904_383_682_161_3e-10)
  p = multiplyAdd(p, r, SIMD4(repeating: 2.087_675_698_786_81e-09))
  p = multiplyAdd(p, r, SIMD4(repeating: 2.505_210_838_544_172e-08))
  p = multiplyAdd(p, r, SIMD4(repeating: 2.755_731_922_398_589e-07))
  p = multiplyAdd(p, r, SIMD4(repeating: 2.755_731_922_398_589_3e-06))
  p = multiplyAdd(p, r, SIMD4(repeating: 2.480_158_730_158_73e-05))
  p = multiplyAdd(p, r, SIMD4(repeating: 1.984_126_984_126_984e-04))
  p = multiplyAdd(p, r, SIMD4(repeating: 1.388_888_888_888_889e-03))
  p = multiplyAdd(p, r, SIMD4(repeating: 8.333_333_333_333_333e-03))
  p = multiplyAdd(p, r, SIMD4(repeating: 4.166_666_666_666_666_4e-02))
  p = multiplyAdd(p, r, SIMD4(repeating: 1.666_666_666_666_666_6e-01))
  p = multiplyAdd(p, r, SIMD4(repeating: 0.5))
  return multiplyAdd(p, r * r, r)
}

/// e^y - 1 for 0 <= y <= ~40 (NaN passes through).
@inline(__always)
private func expm1NonNegative(_ y: SIMD4<Double>) -> SIMD4<Double> {
  let (n, r) = reduce(y)
  let s = powerOfTwo(n)
  // 2^n (e^r - 1) + (2^n - 1): for n = 0 this is exactly e^r - 1, so small y keep their
  // relative accuracy; for n >= 1 the result is >= ~0.4 and the sum does not cancel.
  return multiplyAdd(s, expm1Reduced(r), s - 1)
}
