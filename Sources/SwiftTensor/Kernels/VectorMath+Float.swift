// Float kernels. exp uses Cephes' `expf` minimax polynomial and log musl's `logf` reduction and
// polynomial; both reach about one ulp with plain (unfused) multiply-adds.

extension VectorMath {
  /// `e^x` per lane: overflows to `+infinity` above ~88.72, underflows through subnormals to 0
  /// below ~-103.97; NaN stays NaN.
  @inline(__always)
  static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // The clamp keeps `n` inside the two-step scaling's range while still saturating to
    // inf / 0 at the ends; NaN compares false and passes through.
    var x = x.replacing(with: 89, where: x .> 89)
    x = x.replacing(with: -105, where: x .< -105)
    let (n, r) = reduce(x)
    let p = expm1Reduced(r) + 1
    // Scaling by 2^n in one step cannot express 2^-150...2^-127 or 2^128 as a normal scale
    // factor. Splitting n keeps both factors normal; p * 2^n1 is exact, so the result is
    // rounded only once, including into the subnormal range.
    let n1 = n &>> 1
    return p * powerOfTwo(n1) * powerOfTwo(n &- n1)
  }

  /// Natural logarithm per lane: `-infinity` at ±0, NaN below 0, `+infinity` at `+infinity`,
  /// NaN stays NaN; accurate for subnormal inputs (scaled up before decomposition).
  @inline(__always)
  static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // A subnormal's exponent field is 0 and its significand is not normalised; scaling by
    // 2^25 makes it normal, and the 25 is taken back out of the exponent.
    let tiny = x .< Float.leastNormalMagnitude
    let scaled = x.replacing(with: x * 0x1p25, where: tiny)
    // Offsetting the bits by the pattern distance from 1 to sqrt(1/2) moves the binade
    // boundary to sqrt(1/2): the significand lands in [sqrt(1/2), sqrt(2)) using integer
    // operations only, so f = m - 1 is small on both sides of 1 (no cancellation in
    // log(1 + f) near x = 1) and exact (Sterbenz).
    let b = bits(scaled) &+ (0x3F80_0000 - 0x3F35_04F3)
    // Exponent as a float without an int-to-float conversion: OR the biased exponent into
    // the significand of 2^23 and subtract 2^23.
    var e = float(((b &>> 23) & 0x1FF) | 0x4B00_0000) - (0x1p23 + 127)
    e = e.replacing(with: e - 25, where: tiny)
    let f = float((b & 0x007F_FFFF) &+ 0x3F35_04F3) - 1
    // musl's logf: log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with s = f / (2 + f),
    // |s| < 0.172, R a degree-4 minimax fit (error < 2^-34). Its shallow expression tree is
    // deliberate: Swift lowers SIMD float arithmetic lane by lane and relies on LLVM's SLP
    // vectoriser, which leaves lanes of a long Horner chain (e.g. Cephes' degree-9 logf)
    // scalar on SSE2.
    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    let t1 = w * multiplyAdd(w, SIMD8(repeating: 0xf89e26.0p-26), SIMD8(repeating: 0xccce13.0p-25))
    let t2 = z * multiplyAdd(w, SIMD8(repeating: 0x91e9ee.0p-25), SIMD8(repeating: 0xaaaaaa.0p-24))
    let hfsq = 0.5 * f * f
    // ln 2 split in two (Cody-Waite): the high part has 17 bits, so e * ln2High is exact for
    // |e| < 128 (and far larger than every other term otherwise); small terms are summed first.
    let tail = multiplyAdd(s, hfsq + (t2 + t1), e * 9.058_000_614_5e-06)
    var result = multiplyAdd(e, SIMD8(repeating: 6.931_381_225_6e-01), (tail - hfsq) + f)
    result = result.replacing(with: -.infinity, where: x .== 0)
    result = result.replacing(with: .nan, where: x .< 0)
    // +infinity and NaN (neither is < +infinity) are their own logarithm.
    return result.replacing(with: x, where: .!(x .< .infinity))
  }

  /// Hyperbolic tangent per lane: odd, exactly ±1 for large |x| and at ±infinity, `x` itself
  /// for tiny |x|; NaN stays NaN.
  @inline(__always)
  static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let sign = bits(x) & Int32.min
    var a = float(bits(x) & Int32.max)
    // tanh rounds to 1 beyond ~9.01; with |x| <= 10, expm1 cannot overflow, and
    // t / (t + 2) still rounds to exactly 1.
    a = a.replacing(with: 10, where: a .> 10)
    // tanh|x| = t / (t + 2) with t = expm1(2|x|). Unlike (e^2x - 1) / (e^2x + 1), this has no
    // cancellation for small |x|, so tanh(1e-10) is 1e-10 and subnormals map to themselves.
    let t = expm1NonNegative(a + a)
    return float(bits(t / (t + 2)) | sign)
  }

  /// Logistic sigmoid `1 / (1 + e^-x)` per lane: exactly 0 / 1 in the limits (never NaN for
  /// large |x|), accurate into the subnormal range for negative x; NaN stays NaN.
  @inline(__always)
  static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // e = e^-|x| never overflows (so no inf / inf), and for x < 0 the result is written as
    // e / (1 + e), which keeps full relative accuracy where 1 / (1 + e^-x) would round
    // e^-x to infinity and return 0 for a representable result.
    let e = exp(float(bits(x) | Int32.min))
    let d = 1 / (1 + e)
    return d.replacing(with: e * d, where: x .< 0)
  }
}

// MARK: - Building blocks

@inline(__always)
private func bits(_ x: SIMD8<Float>) -> SIMD8<Int32> { unsafeBitCast(x, to: SIMD8<Int32>.self) }

@inline(__always)
private func float(_ b: SIMD8<Int32>) -> SIMD8<Float> { unsafeBitCast(b, to: SIMD8<Float>.self) }

/// 2^n for n in -126...127 (no range check).
@inline(__always)
private func powerOfTwo(_ n: SIMD8<Int32>) -> SIMD8<Float> { float((n &+ 127) &<< 23) }

/// Splits x into n * ln2 + r with integer n and |r| <= ln2 / 2; needs |x| < ~2^21.
@inline(__always)
private func reduce(_ x: SIMD8<Float>) -> (n: SIMD8<Int32>, r: SIMD8<Float>) {
  // Adding 1.5 * 2^23 pushes the fraction bits out, so the FPU rounds to nearest-even (no
  // `roundf` call), and n sits in the low significand bits of the same sum.
  let magic: Float = 0x1.8p23
  let shifted = multiplyAdd(x, SIMD8(repeating: 1.442_695_040_888_963_4), SIMD8(repeating: magic))
  let nf = shifted - magic
  // ln 2 = 0.693359375 - 2.12194440e-4 (Cody-Waite): the high part has 9 bits, so nf * high
  // is exact and x - nf * high is exact as well.
  var r = multiplyAdd(nf, SIMD8(repeating: -0.693_359_375), x)
  r = multiplyAdd(nf, SIMD8(repeating: 2.121_944_40e-4), r)
  return (bits(shifted) &- bits(SIMD8(repeating: magic)), r)
}

/// e^r - 1 for |r| <= ln2 / 2, as r + r^2 * P(r) so that it keeps full relative accuracy as
/// r goes to 0.
@inline(__always)
private func expm1Reduced(_ r: SIMD8<Float>) -> SIMD8<Float> {
  var p: SIMD8<Float> = SIMD8(repeating: 1.987_569_150_0e-4)
  p = multiplyAdd(p, r, SIMD8(repeating: 1.398_199_950_7e-3))
  p = multiplyAdd(p, r, SIMD8(repeating: 8.333_451_907_3e-3))
  p = multiplyAdd(p, r, SIMD8(repeating: 4.166_579_589_4e-2))
  p = multiplyAdd(p, r, SIMD8(repeating: 1.666_666_545_9e-1))
  p = multiplyAdd(p, r, SIMD8(repeating: 5.000_000_120_1e-1))
  return multiplyAdd(p, r * r, r)
}

/// e^y - 1 for 0 <= y <= ~20 (NaN passes through).
@inline(__always)
private func expm1NonNegative(_ y: SIMD8<Float>) -> SIMD8<Float> {
  let (n, r) = reduce(y)
  let s = powerOfTwo(n)
  // 2^n (e^r - 1) + (2^n - 1): for n = 0 this is exactly e^r - 1, so small y keep their
  // relative accuracy; for n >= 1 the result is >= ~0.4 and the sum does not cancel.
  return multiplyAdd(s, expm1Reduced(r), s - 1)
}
