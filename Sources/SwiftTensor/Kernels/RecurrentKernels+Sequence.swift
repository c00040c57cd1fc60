/// The buffers of a fused recurrent pass over `batch` sequences of `time` steps, laid out
/// `[batch, time, ·]`: step `t` of sample `b` is row `b·time + t`, so the rows of one step are
/// reached with a row stride of `time` rows and nothing is transposed or copied per step.
struct RecurrentSequenceBuffers<Scalar> {
  /// Steps per sequence.
  var time: Int
  /// Hidden units.
  var hidden: Int
  /// The initial hidden state, `[batch, hidden]`.
  var initialHidden: UnsafeMutablePointer<Scalar>
  /// LSTM only: the initial cell state, `[batch, hidden]`.
  var initialCell: UnsafeMutablePointer<Scalar>?
  /// Gate pre-activations `x·W_x` in, gate activations out: `[batch, time, gateCount·hidden]`.
  var gates: UnsafeMutablePointer<Scalar>
  /// GRU only: `h·W_h` of every step, `[batch, time, 3·hidden]`.
  var hiddenGates: UnsafeMutablePointer<Scalar>?
  /// Every step's hidden state, `[batch, time, hidden]`.
  var outputs: UnsafeMutablePointer<Scalar>
  /// LSTM only: every step's cell state, `[batch, time, hidden]`.
  var cells: UnsafeMutablePointer<Scalar>?
}

/// The gradient buffers of a fused recurrent backward pass, laid out as the forward buffers.
struct RecurrentSequenceGradients<Scalar> {
  /// The loss gradient of every step's hidden state, `[batch, time, hidden]`, if any.
  var outputs: UnsafeMutablePointer<Scalar>?
  /// In: the gradient of the last hidden state; out: that of the initial one, `[batch, hidden]`.
  var hidden: UnsafeMutablePointer<Scalar>
  /// LSTM only, in and out as `hidden`, for the cell state.
  var cell: UnsafeMutablePointer<Scalar>?
  /// Out: the gradients of the gate pre-activations, `[batch, time, gateCount·hidden]`.
  var gates: UnsafeMutablePointer<Scalar>
  /// GRU only, out: the gradients of `h·W_h`, `[batch, time, 3·hidden]`.
  var hiddenGates: UnsafeMutablePointer<Scalar>?
}

// The step loops of the fused recurrent passes. Each runs the samples `rows` of the batch
// through every step: one product with the packed `W_h` and one gate kernel per step. The
// entry points dispatch once on the scalar type, so the whole loop is a specialised copy even
// when the calling operation runs unspecialised.
extension RecurrentKernels {
  /// Runs the cell forward over every step for the samples `rows`; `bias` has
  /// `gateCount·hidden` elements, `packedWeights` is `W_h` packed by `GEMM.prepack`.
  /// O(rows·time·hidden·gateCount·hidden).
  static func forwardSteps<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ buffers: RecurrentSequenceBuffers<S>,
    bias: UnsafeMutablePointer<S>, packedWeights: UnsafePointer<S>, rows: Range<Int>,
    threads: Int
  ) {
    if S.self == Float.self {
      forwardLoop(
        cell, reinterpret(buffers) as RecurrentSequenceBuffers<Float>, bias: reinterpret(bias),
        packedWeights: reinterpret(packedWeights), rows: rows, threads: threads)
    } else if S.self == Double.self {
      forwardLoop(
        cell, reinterpret(buffers) as RecurrentSequenceBuffers<Double>, bias: reinterpret(bias),
        packedWeights: reinterpret(packedWeights), rows: rows, threads: threads)
    } else {
      forwardLoop(
        cell, buffers, bias: bias, packedWeights: packedWeights, rows: rows, threads: threads)
    }
  }

  /// Runs the cell backward over every step, last first, for the samples `rows`;
  /// `packedWeights` is `W_hᵀ` packed by `GEMM.prepack`. O(rows·time·hidden·gateCount·hidden).
  static func backwardSteps<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ buffers: RecurrentSequenceBuffers<S>,
    _ gradients: RecurrentSequenceGradients<S>, packedWeights: UnsafePointer<S>,
    rows: Range<Int>, threads: Int
  ) {
    if S.self == Float.self {
      backwardLoop(
        cell, reinterpret(buffers) as RecurrentSequenceBuffers<Float>, reinterpret(gradients),
        packedWeights: reinterpret(packedWeights), rows: rows, threads: threads)
    } else if S.self == Double.self {
      backwardLoop(
        cell, reinterpret(buffers) as RecurrentSequenceBuffers<Double>, reinterpret(gradients),
        packedWeights: reinterpret(packedWeights), rows: rows, threads: threads)
    } else {
      backwardLoop(
        cell, buffers, gradients, packedWeights: packedWeights, rows: rows, threads: threads)
    }
  }

  private static func forwardLoop<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: RecurrentSequenceBuffers<S>, bias: UnsafeMutablePointer<S>,
    packedWeights: UnsafePointer<S>, rows: Range<Int>, threads: Int
  ) {
    let (time, hidden, r) = (s.time, s.hidden, rows.lowerBound)
    let width = cell.gateCount * hidden
    func step(_ base: UnsafeMutablePointer<S>, _ t: Int, _ columns: Int) -> _Rows<S> {
      _Rows(base + t * columns, stride: time * columns).dropping(r)
    }
    for t in 0..<time {
      let previousHidden =
        t == 0 ? _Rows(s.initialHidden, stride: hidden).dropping(r) : step(s.outputs, t - 1, hidden)
      let previousCell =
        t == 0
        ? s.initialCell.map { _Rows($0, stride: hidden).dropping(r) }
        : s.cells.map { step($0, t - 1, hidden) }
      let gateRows = step(s.gates, t, width)
      let hiddenGateRows = s.hiddenGates.map { step($0, t, width) }
      let target = hiddenGateRows ?? gateRows
      GEMM.multiplyPrepacked(
        m: rows.count, n: width, k: hidden, previousHidden.base, lda: previousHidden.stride,
        packedB: packedWeights, beta: cell == .gru ? 0 : 1, target.base, ldc: target.stride,
        threads: threads)
      forward(
        cell,
        _RecurrentForwardStep(
          rows: rows.count, hidden: hidden, gates: gateRows, bias: bias,
          hiddenGates: hiddenGateRows, previousHidden: previousHidden, previousCell: previousCell,
          hiddenOutput: step(s.outputs, t, hidden), cellOutput: s.cells.map { step($0, t, hidden) }
        ), threads: threads)
    }
  }

  private static func backwardLoop<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: RecurrentSequenceBuffers<S>,
    _ d: RecurrentSequenceGradients<S>, packedWeights: UnsafePointer<S>, rows: Range<Int>,
    threads: Int
  ) {
    let (time, hidden, r) = (s.time, s.hidden, rows.lowerBound)
    let width = cell.gateCount * hidden
    func step(_ base: UnsafeMutablePointer<S>, _ t: Int, _ columns: Int) -> _Rows<S> {
      _Rows(base + t * columns, stride: time * columns).dropping(r)
    }
    let dHidden = _Rows(d.hidden, stride: hidden).dropping(r)
    for t in (0..<time).reversed() {
      let previousHidden =
        t == 0 ? _Rows(s.initialHidden, stride: hidden).dropping(r) : step(s.outputs, t - 1, hidden)
      let previousCell =
        t == 0
        ? s.initialCell.map { _Rows($0, stride: hidden).dropping(r) }
        : s.cells.map { step($0, t - 1, hidden) }
      let dGateRows = step(d.gates, t, width)
      let dHiddenGateRows = d.hiddenGates.map { step($0, t, width) }
      backward(
        cell,
        _RecurrentBackwardStep(
          rows: rows.count, hidden: hidden, gates: step(s.gates, t, width),
          hiddenGates: s.hiddenGates.map { step($0, t, width) }, previousHidden: previousHidden,
          previousCell: previousCell, cell: s.cells.map { step($0, t, hidden) },
          hiddenOutput: step(s.outputs, t, hidden),
          outputGradient: d.outputs.map { step($0, t, hidden) }, hiddenGradient: dHidden,
          cellGradient: d.cell.map { _Rows($0, stride: hidden).dropping(r) },
          gateGradients: dGateRows, hiddenGateGradients: dHiddenGateRows), threads: threads)
      let source = dHiddenGateRows ?? dGateRows
      GEMM.multiplyPrepacked(
        m: rows.count, n: hidden, k: width, source.base, lda: source.stride,
        packedB: packedWeights, beta: cell == .gru ? 1 : 0, dHidden.base, ldc: hidden,
        threads: threads)
    }
  }

  /// Copies the last step's rows of `sequence` (`[batch, time, hidden]`) into `destination`
  /// (`[batch, hidden]`). O(batch·hidden).
  static func copyLastStep<S>(
    of sequence: UnsafePointer<S>, batch: Int, time: Int, hidden: Int,
    into destination: UnsafeMutablePointer<S>
  ) {
    CopyKernels.copyRows(
      batch, width: hidden, from: sequence + (time - 1) * hidden, stride: time * hidden,
      to: destination, stride: hidden)
  }

  /// Writes each step's previous hidden state, `[h0, h_0, ..., h_(T-2)]` per sequence, into
  /// `destination` (`[batch, time, hidden]`), so `dW_h` is one product over all steps.
  /// O(batch·time·hidden).
  static func copyPreviousStates<S>(
    initial: UnsafePointer<S>, outputs: UnsafePointer<S>, batch: Int, time: Int, hidden: Int,
    into destination: UnsafeMutablePointer<S>
  ) {
    CopyKernels.copyRows(
      batch, width: hidden, from: initial, stride: hidden, to: destination,
      stride: time * hidden)
    guard time > 1 else { return }
    CopyKernels.copyRows(
      batch, width: (time - 1) * hidden, from: outputs, stride: time * hidden,
      to: destination + hidden, stride: time * hidden)
  }
}
