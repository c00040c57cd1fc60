import Foundation

// Fused activation kernels: each forward and each backward is one SIMD pass over memory,
// built from the scalar type's vector math (`_vectorExp`, `_vectorTanh`, `_vectorSigmoid`,
// `_vectorLog`), instead of a chain of tensor operations that would allocate and traverse a
// temporary per step. They are reached like the other kernels (`TensorScalar+Kernels.swift`):
// an inlinable dispatcher, then a non-generic entry point specialised for `Float` or `Double`.

/// An element-wise activation run by `TensorScalar._activationKernel` (forward) and
/// `_activationBackwardKernel` (backward from the input and the output gradient).
@usableFromInline
enum ActivationKernel<Scalar: TensorScalar>: Sendable {
  /// `x·Φ(x)`, Φ the standard normal distribution function.
  case gelu
  /// `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
  case geluTanh
  /// `x·σ(x)`.
  case silu
  /// `x` where `x > 0`, else `slope·x`.
  case leakyRelu(slope: Scalar)
  /// `x` where `x > 0`, else `alpha·(eˣ - 1)`.
  case elu(alpha: Scalar)
  /// `log(1 + e^(beta·x)) / beta`, or `x` where `beta·x > threshold`.
  case softplus(beta: Scalar, threshold: Scalar)
  /// `min(max(x, min), max)`; NaN stays NaN.
  case clamp(min: Scalar, max: Scalar)
}

/// The SIMD loops of `ActivationKernel`.
enum ActivationKernels {
  /// `y[i] = f(x[i])` for `i < count`; `x` and `y` may be the same buffer. O(count).
  static func forward<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>,
    count: Int
  ) {
    let zero = S.Vector(repeating: 0)
    let one = S.Vector(repeating: 1)
    switch operation {
    case .gelu: map(x, y, count) { x in x * normal(x, density: false).cdf }
    case .geluTanh:
      map(x, y, count) { x in
        let t: S.Vector = S._vectorTanh(tanhArgument(x))
        return x * (one + t) * S(0.5)
      }
    case .silu: map(x, y, count) { x in x * S._vectorSigmoid(x) }
    case .leakyRelu(let slope):
      map(x, y, count) { x in x.replacing(with: x * slope, where: lessOrEqual(x, zero)) }
    case .elu(let alpha):
      map(x, y, count) { x in x.replacing(with: alpha * expm1(x), where: lessOrEqual(x, zero)) }
    case .softplus(let beta, let threshold):
      map(x, y, count) { x in
        let z: S.Vector = x * beta
        let magnitude: S.Vector = z.replacing(with: -z, where: less(z, zero))
        let positive: S.Vector = z.replacing(with: zero, where: less(z, zero))
        let smooth: S.Vector = (positive + log1p(S._vectorExp(-magnitude))) / beta
        // PyTorch's linear region: above the threshold `x` is returned exactly.
        return smooth.replacing(with: x, where: less(S.Vector(repeating: threshold), z))
      }
    case .clamp(let low, let high):
      // Comparisons with NaN are false, so NaN passes through as in PyTorch.
      map(x, y, count) { x in
        x.replacing(with: low, where: less(x, S.Vector(repeating: low)))
          .replacing(with: high, where: less(S.Vector(repeating: high), x))
      }
    }
  }

  /// `dx[i] = f'(x[i])·dy[i]` for `i < count`; `dx` may be `dy`'s buffer. O(count).
  static func backward<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ x: UnsafePointer<S>, _ dy: UnsafePointer<S>,
    _ dx: UnsafeMutablePointer<S>, count: Int
  ) {
    let zero = S.Vector(repeating: 0)
    let one = S.Vector(repeating: 1)
    switch operation {
    case .gelu:
      zip(x, dy, dx, count) { x, dy in
        let normal = normal(x, density: true)
        return dy * (normal.cdf + x * normal.pdf)
      }
    case .geluTanh:
      zip(x, dy, dx, count) { x, dy in
        let t: S.Vector = S._vectorTanh(tanhArgument(x))
        let xx: S.Vector = x * x
        let du: S.Vector = (xx * S(3 * geluTanhCubic) + 1) * S(geluTanhScale)
        let half: S.Vector = (one + t) * S(0.5)
        let dt: S.Vector = (one - t * t) * x * S(0.5)
        return dy * (half + dt * du)
      }
    case .silu:
      zip(x, dy, dx, count) { x, dy in
        let s = S._vectorSigmoid(x)
        return dy * s * (one + x * (one - s))
      }
    case .leakyRelu(let slope):
      // At 0 the slope applies, as PyTorch's `x > 0 ? dy : dy·slope`.
      zip(x, dy, dx, count) { x, dy in dy.replacing(with: dy * slope, where: lessOrEqual(x, zero)) }
    case .elu(let alpha):
      zip(x, dy, dx, count) { x, dy in
        dy.replacing(with: dy * alpha * S._vectorExp(x), where: lessOrEqual(x, zero))
      }
    case .softplus(let beta, let threshold):
      zip(x, dy, dx, count) { x, dy in
        let z = x * beta
        return (dy * S._vectorSigmoid(z)).replacing(
          with: dy, where: less(S.Vector(repeating: threshold), z))
      }
    case .clamp(let low, let high):
      // The gradient passes on the bounds too (PyTorch: `min <= x <= max`); NaN gets 0.
      zip(x, dy, dx, count) { x, dy in
        zero.replacing(with: dy, where: lessOrEqual(S.Vector(repeating: low), x))
          .replacing(with: zero, where: less(S.Vector(repeating: high), x))
      }
    }
  }

  // MARK: - Vector functions

  /// `√(2/π)`, the tanh approximation's scale.
  static let geluTanhScale = 0.797_884_560_802_865_4
  /// The tanh approximation's cubic coefficient.
  static let geluTanhCubic = 0.044_715

  /// `√(2/π)(x + 0.044715x³)`
  @inline(__always)
  static func tanhArgument<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
    let cube: V = x * x * x
    return (x + cube * V.Scalar(geluTanhCubic)) * V.Scalar(geluTanhScale)
  }

  /// The standard normal distribution function Φ(x) and density φ(x) per lane.
  ///
  /// `Float`: Φ(x) = erfc(-x/√2)/2 with the Chebyshev fit of Numerical Recipes' `erfcc`,
  /// `erfc(z) ≈ t·e^(-z² + P(t))` with `t = 1/(1 + z/2)`, whose *relative* error is below 1.2e-7
  /// for every `z ≥ 0` (so the tail `Φ(-|x|)` keeps `Float` precision, where the absolute
  /// bound of Abramowitz and Stegun 7.1.26 does not); `erfc(-z) = 2 - erfc(z)`, so neither side
  /// cancels. Other types: Foundation's `erfc` per lane in `Double`, about one ulp.
  ///
  /// - References: W. H. Press et al., *Numerical Recipes* (2nd ed., 1992), section 6.2.
  @inline(__always)
  static func normal<V: SIMD>(_ x: V, density: Bool) -> (cdf: V, pdf: V)
  where V.Scalar: TensorScalar, V.Scalar.Vector == V {
    typealias S = V.Scalar
    var pdf = V()
    if density {
      let halfSquare: V = x * x * 0.5
      pdf = S._vectorExp(-halfSquare) * S(0.398_942_280_401_432_7)  // 1/√(2π)
    }
    if S.self == Float.self {
      let z: V = x.replacing(with: -x, where: less(x, V())) * S(0.707_106_781_186_547_5)
      let t: V = 1 / (z * 0.5 + 1)
      var p = V(repeating: S(0.170_872_77))
      p = p * t + S(-0.822_152_23)
      p = p * t + S(1.488_515_87)
      p = p * t + S(-1.135_203_98)
      p = p * t + S(0.278_868_07)
      p = p * t + S(-0.186_288_06)
      p = p * t + S(0.096_784_18)
      p = p * t + S(0.374_091_96)
      p = p * t + S(1.000_023_68)
      p = p * t + S(-1.265_512_23)
      let exponent: V = p - z * z
      let tail: V = t * S._vectorExp(exponent) * 0.5  // Φ(-|x|)
      return (tail.replacing(with: 1 - tail, where: less(V(), x)), pdf)
    }
    var cdf = x
    for lane in x.indices {
      cdf[lane] = S(0.5 * Foundation.erfc(-Double(x[lane]) * 0.707_106_781_186_547_5))
    }
    return (cdf, pdf)
  }

  /// `eˣ - 1` per lane without cancellation near 0: a Taylor polynomial where `|x| < 0.25`
  /// (its terms to `x¹²/12!` leave less than a `Double` ulp), `exp(x) - 1` elsewhere.
  @inline(__always)
  static func expm1<V: SIMD>(_ x: V) -> V
  where V.Scalar: TensorScalar, V.Scalar.Vector == V {
    typealias S = V.Scalar
    var p = S.Vector(repeating: 1)
    for k in stride(from: 12, through: 2, by: -1) { p = x * p * (1 / S(k)) + 1 }
    let magnitude = x.replacing(with: -x, where: less(x, V()))
    return (S._vectorExp(x) - 1).replacing(with: x * p, where: less(magnitude, V(repeating: 0.25)))
  }

  /// `log(1 + w)` per lane for `w ≥ 0` without losing a small `w` to rounding: Kahan's
  /// `log(u)·w/(u - 1)` with `u = 1 + w`, which cancels the rounding of `u`.
  @inline(__always)
  static func log1p<V: SIMD>(_ w: V) -> V
  where V.Scalar: TensorScalar, V.Scalar.Vector == V {
    typealias S = V.Scalar
    let u = 1 + w
    let rounded = u - 1
    // `rounded` is 0 exactly where `u` rounded to 1 (`w ≥ 0`, so never below).
    let exact = lessOrEqual(rounded, V())
    let safe = rounded.replacing(with: 1, where: exact)
    return (S._vectorLog(u) * w / safe).replacing(with: w, where: exact)
  }

  // MARK: - Comparisons

  /// `a .< b` as one vector compare (see `_VectorCompare.swift`).
  @inline(__always)
  static func less<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage>
  where V.Scalar: FloatingPoint { vectorLess(a, b) }

  /// `a .<= b` as one vector compare (see `_VectorCompare.swift`).
  @inline(__always)
  static func lessOrEqual<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage>
  where V.Scalar: FloatingPoint { vectorLessOrEqual(a, b) }

  // MARK: - Loops

  /// The tail of a row is padded into a vector, so every element goes through the same
  /// arithmetic wherever it falls in memory.
  @inline(__always)
  private static func map<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ destination: UnsafeMutablePointer<S>, _ count: Int,
    _ op: (S.Vector) -> S.Vector
  ) {
    let width = S.Vector.scalarCount
    var i = 0
    while i + width <= count {
      destination.storeVector(op(source.loadVector(at: i)), at: i)
      i += width
    }
    if i < count {
      let rest = count - i
      destination.storePartialVector(
        op(source.loadPartialVector(at: i, count: rest, fill: 0)), at: i, count: rest)
    }
  }

  @inline(__always)
  private static func zip<S: TensorScalar>(
    _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ destination: UnsafeMutablePointer<S>,
    _ count: Int, _ op: (S.Vector, S.Vector) -> S.Vector
  ) {
    let width = S.Vector.scalarCount
    var i = 0
    while i + width <= count {
      destination.storeVector(op(a.loadVector(at: i), b.loadVector(at: i)), at: i)
      i += width
    }
    if i < count {
      let rest = count - i
      destination.storePartialVector(
        op(
          a.loadPartialVector(at: i, count: rest, fill: 0),
          b.loadPartialVector(at: i, count: rest, fill: 0)),
        at: i, count: rest)
    }
  }
}
