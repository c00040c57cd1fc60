// Vector comparisons for generic kernels. The comparison operators of the `SIMD` protocol are
// lane-by-lane loops even once specialised, while the concrete vector types' own operators
// compile to one vector compare: these test the type (a constant once specialised) and use the
// concrete operator for the library's vector types.

/// Applies `compare` through the concrete vector type when `V` is one the library uses.
@inline(__always)
func concreteCompare<V: SIMD>(
  _ a: V, _ b: V,
  float: (SIMD8<Float>, SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>,
  double: (SIMD4<Double>, SIMD4<Double>) -> SIMDMask<SIMD4<Int64>>,
  generic: (V, V) -> SIMDMask<V.MaskStorage>
) -> SIMDMask<V.MaskStorage> where V.Scalar: FloatingPoint {
  if V.self == SIMD8<Float>.self {
    let mask = float(
      unsafeBitCast(a, to: SIMD8<Float>.self), unsafeBitCast(b, to: SIMD8<Float>.self))
    return unsafeBitCast(mask, to: SIMDMask<V.MaskStorage>.self)
  }
  if V.self == SIMD4<Double>.self {
    let mask = double(
      unsafeBitCast(a, to: SIMD4<Double>.self), unsafeBitCast(b, to: SIMD4<Double>.self))
    return unsafeBitCast(mask, to: SIMDMask<V.MaskStorage>.self)
  }
  return generic(a, b)
}

/// `a .< b`, one vector compare for the library's vector types.
@inline(__always)
func vectorLess<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> where V.Scalar: FloatingPoint {
  concreteCompare(a, b, float: { $0 .< $1 }, double: { $0 .< $1 }, generic: { $0 .< $1 })
}

/// `a .<= b`, one vector compare for the library's vector types.
@inline(__always)
func vectorLessOrEqual<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage>
where V.Scalar: FloatingPoint {
  concreteCompare(a, b, float: { $0 .<= $1 }, double: { $0 .<= $1 }, generic: { $0 .<= $1 })
}

/// `a .== b`, one vector compare for the library's vector types.
@inline(__always)
func vectorEqual<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> where V.Scalar: FloatingPoint {
  concreteCompare(a, b, float: { $0 .== $1 }, double: { $0 .== $1 }, generic: { $0 .== $1 })
}

/// `a .!= b` (true for NaN lanes), one vector compare for the library's vector types.
@inline(__always)
func vectorNotEqual<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage>
where V.Scalar: FloatingPoint {
  concreteCompare(a, b, float: { $0 .!= $1 }, double: { $0 .!= $1 }, generic: { $0 .!= $1 })
}
