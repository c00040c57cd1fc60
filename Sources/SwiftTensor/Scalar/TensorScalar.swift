/// An element type of a tensor: `Float` or `Double`, or a type you add.
///
/// The requirements are the element-type contract: a SIMD vector type and the vectorised
/// elementary functions the library's kernels are built from. Everything else a kernel needs
/// (arithmetic, comparisons, square roots) comes from `BinaryFloatingPoint` and `SIMD`.
///
/// The kernels themselves (GEMM, element-wise maps, reductions, softmax, the fused recurrent
/// and optimiser steps) are internal to the library and not requirements. Generic code reaches
/// the copy of each kernel specialised for `Float` or `Double`; a type you add runs the same
/// kernels compiled generically, which is correct but much slower.
///
/// The underscored requirements are the kernels' building blocks, not meant to be called
/// directly; use the `Tensor` API.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
  /// The SIMD vector the kernels process at a time (eight `Float`s or four `Double`s: one
  /// 256-bit register).
  associatedtype Vector: SIMD where Vector.Scalar == Self

  /// Natural exponential of each lane; overflows to infinity, underflows through subnormals to 0.
  static func _vectorExp(_ x: Vector) -> Vector
  /// Natural logarithm of each lane; `-infinity` at 0, NaN below 0.
  static func _vectorLog(_ x: Vector) -> Vector
  /// Hyperbolic tangent of each lane.
  static func _vectorTanh(_ x: Vector) -> Vector
  /// Logistic sigmoid `1 / (1 + exp(-x))` of each lane.
  static func _vectorSigmoid(_ x: Vector) -> Vector

  /// `x^y` for one element (the platform's libm `pow`).
  static func _pow(_ x: Self, _ y: Self) -> Self
}
