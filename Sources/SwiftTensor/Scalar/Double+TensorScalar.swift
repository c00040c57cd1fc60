import Foundation

// The element-type contract only; the library's kernels are reached through
// `TensorScalar+Kernels.swift`, not through this conformance.
extension Double: TensorScalar {
  /// Kernels process `SIMD4<Double>`: one 256-bit AVX register.
  public typealias Vector = SIMD4<Double>

  /// Vectorised `exp`; see `TensorScalar._vectorExp`.
  @inline(__always)
  public static func _vectorExp(_ x: Vector) -> Vector { VectorMath.exp(x) }
  /// Vectorised `log`; see `TensorScalar._vectorLog`.
  @inline(__always)
  public static func _vectorLog(_ x: Vector) -> Vector { VectorMath.log(x) }
  /// Vectorised `tanh`; see `TensorScalar._vectorTanh`.
  @inline(__always)
  public static func _vectorTanh(_ x: Vector) -> Vector { VectorMath.tanh(x) }
  /// Vectorised sigmoid; see `TensorScalar._vectorSigmoid`.
  @inline(__always)
  public static func _vectorSigmoid(_ x: Vector) -> Vector { VectorMath.sigmoid(x) }

  /// `x^y` for one element, from the platform's libm.
  public static func _pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
