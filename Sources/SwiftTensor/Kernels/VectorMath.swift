import Foundation

/// Vectorised elementary functions for the kernels' SIMD types.
enum VectorMath {
  // Interim lane-by-lane versions; replaced by polynomial kernels.
  static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> { lanes(x, Foundation.exp) }
  static func log(_ x: SIMD8<Float>) -> SIMD8<Float> { lanes(x, Foundation.log) }
  static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> { lanes(x, Foundation.tanh) }
  static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { lanes(x) { 1 / (1 + Foundation.exp(-$0)) } }
  static func exp(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x, Foundation.exp) }
  static func log(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x, Foundation.log) }
  static func tanh(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x, Foundation.tanh) }
  static func sigmoid(_ x: SIMD4<Double>) -> SIMD4<Double> { lanes(x) { 1 / (1 + Foundation.exp(-$0)) } }

  private static func lanes<V: SIMD>(_ x: V, _ f: (V.Scalar) -> V.Scalar) -> V {
    var y = x
    for i in x.indices { y[i] = f(x[i]) }
    return y
  }
}
