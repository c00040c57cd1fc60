import SwiftTensorCKernels

/// The LSTM step kernels in C (`recurrent_kernels.c`): AVX2+FMA, chosen at run time, so the gate
/// math runs at the width of the machine without build flags; the Swift kernels stay the
/// portable path. The Swift versions spent about 16% of the character-LSTM benchmark.
extension RecurrentKernels {
  /// `p` as a pointer to `T` (the same type: `S.self == T.self` was checked).
  @inline(__always)
  static func cast<S, T>(_ p: UnsafeMutablePointer<S>, _: T.Type) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
  }

  /// Runs an LSTM forward step in C when this CPU has AVX2+FMA; returns whether it ran.
  static func lstmForwardC<S: TensorScalar>(_ s: _RecurrentForwardStep<S>) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA, let previous = s.previousCell, let cell = s.cellOutput else {
        return false
      }
      if S.self == Float.self {
        swifttensor_lstm_forward_f32(
          s.rows, s.hidden, cast(s.gates.base, Float.self), s.gates.stride,
          cast(s.bias, Float.self), cast(previous.base, Float.self), previous.stride,
          cast(cell.base, Float.self), cell.stride, cast(s.hiddenOutput.base, Float.self),
          s.hiddenOutput.stride)
        return true
      }
      if S.self == Double.self {
        swifttensor_lstm_forward_f64(
          s.rows, s.hidden, cast(s.gates.base, Double.self), s.gates.stride,
          cast(s.bias, Double.self), cast(previous.base, Double.self), previous.stride,
          cast(cell.base, Double.self), cell.stride, cast(s.hiddenOutput.base, Double.self),
          s.hiddenOutput.stride)
        return true
      }
    #endif
    return false
  }

  /// Runs an LSTM backward step in C when this CPU has AVX2+FMA; returns whether it ran.
  static func lstmBackwardC<S: TensorScalar>(_ s: _RecurrentBackwardStep<S>) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA, let previous = s.previousCell, let cell = s.cell,
        let cellGradient = s.cellGradient
      else { return false }
      let outputStride = s.outputGradient?.stride ?? 0
      if S.self == Float.self {
        swifttensor_lstm_backward_f32(
          s.rows, s.hidden, cast(s.gates.base, Float.self), s.gates.stride,
          cast(previous.base, Float.self), previous.stride, cast(cell.base, Float.self),
          cell.stride, s.outputGradient.map { cast($0.base, Float.self) }, outputStride,
          cast(s.hiddenGradient.base, Float.self), s.hiddenGradient.stride,
          cast(cellGradient.base, Float.self), cellGradient.stride,
          cast(s.gateGradients.base, Float.self), s.gateGradients.stride)
        return true
      }
      if S.self == Double.self {
        swifttensor_lstm_backward_f64(
          s.rows, s.hidden, cast(s.gates.base, Double.self), s.gates.stride,
          cast(previous.base, Double.self), previous.stride, cast(cell.base, Double.self),
          cell.stride, s.outputGradient.map { cast($0.base, Double.self) }, outputStride,
          cast(s.hiddenGradient.base, Double.self), s.hiddenGradient.stride,
          cast(cellGradient.base, Double.self), cellGradient.stride,
          cast(s.gateGradients.base, Double.self), s.gateGradients.stride)
        return true
      }
    #endif
    return false
  }
}
