import SwiftTensorCKernels

/// The layer norm loops in C (`normalization_kernels.c`): AVX2+FMA, Float, one scalar per
/// channel and one group (a layer norm). They keep the precision choices of the Swift loops (double sums for the
/// statistics, float blocks of 32 rows for the parameters' gradients) in 8-lane vectors; the
/// Swift loops stay the path of every other case.
extension NormalizationKernels {
  /// Whether the C loops run passes over `layout` in `S`. O(1).
  static func runsInC<S: TensorScalar>(_: S.Type, _ layout: NormalizationLayout) -> Bool {
    #if arch(x86_64)
      return S.self == Float.self && layout.inner == 1 && layout.groups == 1 && CPU.hasAVX2FMA
    #else
      return false
    #endif
  }

  /// `forward(_:rows:)` in C; `runsInC` must hold.
  static func forwardInC<S: TensorScalar>(_ a: NormalizationForward<S>, rows: Range<Int>) {
    #if arch(x86_64)
      let length = a.layout.length
      let start = rows.lowerBound * length
      swifttensor_layer_norm_forward_f32(
        float(a.x + start), a.weight.map(float), a.bias.map(float), rows.count, length,
        a.epsilon, float(a.output + start), float(a.mean + rows.lowerBound),
        float(a.reciprocalDeviation + rows.lowerBound))
    #endif
  }

  /// `backward(_:rows:weightSums:biasSums:)` in C; `runsInC` must hold.
  static func backwardInC<S: TensorScalar>(
    _ a: NormalizationBackward<S>, rows: Range<Int>, weightSums: UnsafeMutablePointer<Double>,
    biasSums: UnsafeMutablePointer<Double>
  ) {
    #if arch(x86_64)
      let length = a.layout.length
      let start = rows.lowerBound * length
      let partial = UnsafeMutablePointer<Float>.allocate(capacity: 2 * length)
      defer { partial.deallocate() }
      swifttensor_layer_norm_backward_f32(
        float(a.x + start), float(a.outputGradient + start), a.weight.map(float),
        float(a.mean + rows.lowerBound), float(a.reciprocalDeviation + rows.lowerBound),
        rows.count, length, a.inputGradient.map { float($0 + start) },
        a.accumulatesInputGradient ? 1 : 0, weightSums, biasSums, partial)
    #endif
  }

  /// `pointer` as the Float pointer it is when `runsInC` holds.
  @inline(__always)
  static func float<S>(_ pointer: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
  }

  /// `pointer` as the Float pointer it is when `runsInC` holds.
  @inline(__always)
  static func float<S>(_ pointer: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self)
  }
}
