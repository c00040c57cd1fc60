import SwiftTensorCKernels

/// The scans that look for values gone wrong: non-finite scalars, and squared norms.
@usableFromInline
enum FiniteKernels {
  /// The index of the first NaN or infinity among `count` scalars, or `nil`. O(count).
  @inlinable
  static func firstNonFinite<S: TensorScalar>(_ source: UnsafePointer<S>, count: Int) -> Int? {
    for index in 0..<count where !source[index].isFinite { return index }
    return nil
  }

  /// `Σ x²` over `count` scalars, in one pass without compensation: meant for telling whether
  /// gradients are finite every step, where the exact reduction costs several times more.
  /// O(count).
  @inlinable
  static func sumOfSquares<S: TensorScalar>(_ source: UnsafePointer<S>, count: Int) -> S {
    if S.self == Float.self {
      return unsafeBitCast(
        sumOfSquares(floats: UnsafeRawPointer(source).assumingMemoryBound(to: Float.self), count),
        to: S.self)
    }
    if S.self == Double.self {
      return unsafeBitCast(
        sumOfSquares(doubles: UnsafeRawPointer(source).assumingMemoryBound(to: Double.self), count),
        to: S.self)
    }
    return portableSumOfSquares(source, count: count)
  }

  /// `sumOfSquares` for `Float`: the AVX2 C kernel where the CPU has it.
  @usableFromInline
  static func sumOfSquares(floats source: UnsafePointer<Float>, _ count: Int) -> Float {
    #if arch(x86_64)
      if CPU.hasAVX2FMA { return swifttensor_sum_squares_f32(source, count) }
    #endif
    return portableSumOfSquares(source, count: count)
  }

  /// `sumOfSquares` for `Double`: the AVX2 C kernel where the CPU has it.
  @usableFromInline
  static func sumOfSquares(doubles source: UnsafePointer<Double>, _ count: Int) -> Double {
    #if arch(x86_64)
      if CPU.hasAVX2FMA { return swifttensor_sum_squares_f64(source, count) }
    #endif
    return portableSumOfSquares(source, count: count)
  }

  /// `sumOfSquares` in Swift, one vector at a time.
  @inlinable
  static func portableSumOfSquares<S: TensorScalar>(_ source: UnsafePointer<S>, count: Int) -> S {
    let width = S.Vector.scalarCount
    var vector = S.Vector(repeating: 0)
    var index = 0
    while index + width <= count {
      let loaded = UnsafeRawPointer(source + index).loadUnaligned(as: S.Vector.self)
      vector += loaded * loaded
      index += width
    }
    var total: S = 0
    for lane in 0..<width { total += vector[lane] }
    while index < count {
      total += source[index] * source[index]
      index += 1
    }
    return total
  }
}
