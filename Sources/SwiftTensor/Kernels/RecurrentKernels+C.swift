import SwiftTensorCKernels

/// The recurrent step kernels in C (`recurrent_kernels.c`): AVX2+FMA, chosen at run time, so the
/// gate math runs at the width of the machine without build flags; the Swift kernels stay the
/// portable path. The Swift LSTM kernels spent about 16% of the character-LSTM benchmark.
extension RecurrentKernels {
  /// The C kernels of one scalar type `T`, as Swift function types.
  struct CKernels<T> {
    typealias Pointer = UnsafeMutablePointer<T>?
    typealias Source = UnsafePointer<T>?
    let lstmForward:
      (Int, Int, Pointer, Int, Source, Source, Int, Pointer, Int, Pointer, Int) -> Void
    let lstmBackward:
      (
        Int, Int, Source, Int, Source, Int, Source, Int, Source, Int, Source, Int, Pointer, Int,
        Pointer, Int
      ) -> Void
    let gruForward: (Int, Int, Pointer, Int, Source, Source, Int, Source, Int, Pointer, Int) -> Void
    let gruBackward:
      (
        Int, Int, Source, Int, Source, Int, Source, Int, Source, Int, Pointer, Int, Pointer, Int,
        Pointer, Int
      ) -> Void
    let rnnForward: (Int, Int, Pointer, Int, Source, Pointer, Int) -> Void
    let rnnBackward: (Int, Int, Source, Int, Source, Int, Source, Int, Pointer, Int) -> Void
  }

  #if arch(x86_64)
    static var floatKernels: CKernels<Float> {
      CKernels(
        lstmForward: swifttensor_lstm_forward_f32, lstmBackward: swifttensor_lstm_backward_f32,
        gruForward: swifttensor_gru_forward_f32, gruBackward: swifttensor_gru_backward_f32,
        rnnForward: swifttensor_rnn_forward_f32, rnnBackward: swifttensor_rnn_backward_f32)
    }
    static var doubleKernels: CKernels<Double> {
      CKernels(
        lstmForward: swifttensor_lstm_forward_f64, lstmBackward: swifttensor_lstm_backward_f64,
        gruForward: swifttensor_gru_forward_f64, gruBackward: swifttensor_gru_backward_f64,
        rnnForward: swifttensor_rnn_forward_f64, rnnBackward: swifttensor_rnn_backward_f64)
    }
  #endif

  /// Runs a forward step in C when this CPU has AVX2+FMA; returns whether it ran.
  static func forwardC<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentForwardStep<S>
  ) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA else { return false }
      if S.self == Float.self { return forward(cell, s, floatKernels) }
      if S.self == Double.self { return forward(cell, s, doubleKernels) }
    #endif
    return false
  }

  /// Runs a backward step in C when this CPU has AVX2+FMA; returns whether it ran.
  static func backwardC<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentBackwardStep<S>
  ) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA else { return false }
      if S.self == Float.self { return backward(cell, s, floatKernels) }
      if S.self == Double.self { return backward(cell, s, doubleKernels) }
    #endif
    return false
  }

  /// `rows` as rows of `T` (the same type: the caller checked `S.self == T.self`).
  @inline(__always)
  static func cast<S, T>(_ rows: _Rows<S>?, _: T.Type) -> (UnsafeMutablePointer<T>?, Int) {
    guard let rows else { return (nil, 0) }
    return (UnsafeMutableRawPointer(rows.base).assumingMemoryBound(to: T.self), rows.stride)
  }

  static func forward<S, T>(
    _ cell: RecurrentCellKind, _ s: _RecurrentForwardStep<S>, _ c: CKernels<T>
  ) -> Bool {
    let gates = cast(s.gates, T.self)
    let bias = cast(_Rows(s.bias, stride: 0), T.self).0
    let output = cast(s.hiddenOutput, T.self)
    switch cell {
    case .lstm:
      guard s.previousCell != nil, s.cellOutput != nil else { return false }
      let (previous, cellOutput) = (cast(s.previousCell, T.self), cast(s.cellOutput, T.self))
      c.lstmForward(
        s.rows, s.hidden, gates.0, gates.1, bias, previous.0, previous.1, cellOutput.0,
        cellOutput.1, output.0, output.1)
    case .gru:
      guard s.hiddenGates != nil else { return false }
      let (hiddenGates, previous) = (cast(s.hiddenGates, T.self), cast(s.previousHidden, T.self))
      c.gruForward(
        s.rows, s.hidden, gates.0, gates.1, bias, hiddenGates.0, hiddenGates.1, previous.0,
        previous.1, output.0, output.1)
    case .rnn:
      c.rnnForward(s.rows, s.hidden, gates.0, gates.1, bias, output.0, output.1)
    }
    return true
  }

  static func backward<S, T>(
    _ cell: RecurrentCellKind, _ s: _RecurrentBackwardStep<S>, _ c: CKernels<T>
  ) -> Bool {
    let gates = cast(s.gates, T.self)
    let outputGradient = cast(s.outputGradient, T.self)
    let hiddenGradient = cast(s.hiddenGradient, T.self)
    let gateGradients = cast(s.gateGradients, T.self)
    switch cell {
    case .lstm:
      guard s.previousCell != nil, s.cell != nil, s.cellGradient != nil else { return false }
      let (previous, cellState) = (cast(s.previousCell, T.self), cast(s.cell, T.self))
      let cellGradient = cast(s.cellGradient, T.self)
      c.lstmBackward(
        s.rows, s.hidden, gates.0, gates.1, previous.0, previous.1, cellState.0, cellState.1,
        outputGradient.0, outputGradient.1, hiddenGradient.0, hiddenGradient.1, cellGradient.0,
        cellGradient.1, gateGradients.0, gateGradients.1)
    case .gru:
      guard s.hiddenGates != nil, s.hiddenGateGradients != nil else { return false }
      let (hiddenGates, previous) = (cast(s.hiddenGates, T.self), cast(s.previousHidden, T.self))
      let hiddenGateGradients = cast(s.hiddenGateGradients, T.self)
      c.gruBackward(
        s.rows, s.hidden, gates.0, gates.1, hiddenGates.0, hiddenGates.1, previous.0,
        previous.1, outputGradient.0, outputGradient.1, hiddenGradient.0, hiddenGradient.1,
        gateGradients.0, gateGradients.1, hiddenGateGradients.0, hiddenGateGradients.1)
    case .rnn:
      let output = cast(s.hiddenOutput, T.self)
      c.rnnBackward(
        s.rows, s.hidden, output.0, output.1, outputGradient.0, outputGradient.1,
        hiddenGradient.0, hiddenGradient.1, gateGradients.0, gateGradients.1)
    }
    return true
  }
}
