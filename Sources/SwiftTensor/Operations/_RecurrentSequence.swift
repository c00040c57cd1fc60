/// What a fused recurrent forward pass keeps for its backward pass.
public struct RecurrentSaved<Scalar: TensorScalar> {
  /// Gate activations, `[batch, time, gates·hidden]`.
  var gates: Tensor<Scalar>
  /// GRU only: `h·W_h` of every step, `[batch, time, 3·hidden]`.
  var hiddenGates: Tensor<Scalar>?
  /// LSTM only: the cell state of every step, `[batch, time, hidden]`.
  var cells: Tensor<Scalar>?
}

/// The fused forward and backward passes over a whole sequence, shared by the cell operations
/// (a sequence of one step) and the sequence operations.
///
/// Forward: one GEMM gives `x·W_x` for every step at once; each step then adds `h·W_h` with one
/// GEMM on the batch and runs one vectorised kernel over the gates. Backward runs the steps in
/// reverse (one kernel and one GEMM `dA·W_hᵀ` per step), then forms `dx`, `dW_x`, `dW_h` with
/// one GEMM each over all steps, so the per-step work is only what the recurrence forces.
///
/// Layout: `[batch, time, features]`; rows of step `t` are `b·time + t`, reached with a row
/// stride of `time·width`, so no tensor is ever transposed or copied per step.
enum RecurrentSequenceCore {
  static func name(_ cell: RecurrentCellKind) -> String {
    switch cell {
    case .rnn: "RNN"
    case .lstm: "LSTM"
    case .gru: "GRU"
    }
  }

  /// Checks the shapes of `x [batch, time, features]`, `h0`, `c0 [batch, hidden]`,
  /// `W_x [features, G·hidden]`, `W_h [hidden, G·hidden]`, `b [G·hidden]`.
  static func validate<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ operation: String, x: Tensor<S>, h0: Tensor<S>, c0: Tensor<S>?,
    wx: Tensor<S>, wh: Tensor<S>, b: Tensor<S>
  ) {
    tensorPrecondition(
      x.rank == 3,
      "\(operation): input of shape \(describe(shape: x.shape)); expected [batch, time, features]")
    tensorPrecondition(
      x.shape[1] > 0, "\(operation): empty sequences (input of shape \(describe(shape: x.shape)))")
    let states = [h0] + (c0.map { [$0] } ?? [])
    for state in states {
      tensorPrecondition(
        state.rank == 2 && state.shape[0] == x.shape[0],
        "\(operation): state of shape \(describe(shape: state.shape)) does not match the batch "
          + "of \(x.shape[0]) sequences (input of shape \(describe(shape: x.shape)))")
    }
    let hidden = h0.shape[1]
    let width = cell.gateCount * hidden
    tensorPrecondition(
      c0 == nil || c0?.shape == h0.shape,
      "\(operation): cell state of shape \(describe(shape: c0?.shape ?? [])) differs from hidden "
        + "state of shape \(describe(shape: h0.shape))")
    tensorPrecondition(
      wx.shape == [x.shape[2], width] && wh.shape == [hidden, width] && b.shape == [width],
      "\(operation): weights W_x \(describe(shape: wx.shape)), W_h \(describe(shape: wh.shape)), "
        + "b \(describe(shape: b.shape)) do not fit input \(describe(shape: x.shape)) and hidden "
        + "size \(hidden); expected [\(x.shape[2]), \(width)], [\(hidden), \(width)], [\(width)]")
  }

  /// A fresh, uniquely owned tensor of `shape` with uninitialised scalars.
  static func uninitialized<S: TensorScalar>(_ shape: [Int]) -> Tensor<S> {
    Tensor(shape: shape, unsafeUninitialized: { _ in })
  }

  /// A uniquely owned copy of `tensor`.
  static func copy<S: TensorScalar>(_ tensor: Tensor<S>) -> Tensor<S> {
    let result: Tensor<S> = uninitialized(tensor.shape)
    CopyKernels.copy(tensor.baseAddress, to: result.baseAddress, count: tensor.scalarCount)
    return result
  }

  static func gemm<S: TensorScalar>(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
    _ a: UnsafeMutablePointer<S>, lda: Int, _ b: UnsafeMutablePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    S._gemm(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a, lda: lda,
      b, ldb: ldb, beta: beta, c, ldc: ldc)
  }

  /// `W_h` (or its transpose) packed once for the per-step products.
  static func prepacked<S: TensorScalar>(_ wh: Tensor<S>, transposed: Bool) -> Tensor<S> {
    let (k, n) = transposed ? (wh.shape[1], wh.shape[0]) : (wh.shape[0], wh.shape[1])
    let packed: Tensor<S> = uninitialized([GEMM.prepackedCount(S.self, k: k, n: n)])
    S._prepack(
      transposed: transposed, wh.baseAddress, ldb: wh.shape[1], k: k, n: n,
      into: packed.baseAddress)
    return packed
  }

  /// How the steps of a sequence of `batch` samples, whose per-step product is `batch x n x k`,
  /// use two cores: `parts` 2 runs every step for each half of the batch on its own core (the
  /// samples are independent, so the halves never wait for each other and the gate math runs
  /// in parallel too); `threads` 2 splits each step's product by columns instead, for batches
  /// too small to halve. A second core pays off once a step has a few million multiply-adds
  /// (the 32 x 256 x 1024 step of the Shakespeare model has 8.4 million).
  static func partition(batch: Int, n: Int, k: Int) -> (parts: Int, threads: Int) {
    guard batch * n * k >= stepParallelThreshold, GEMM.coreCount >= 2 else { return (1, 1) }
    return batch >= 2 * GEMM.mr ? (2, 1) : (1, 2)
  }

  /// Measured on the shared 2-core machine at 32 x 256 x 1024 per step: splitting each step's
  /// product by columns (with GCD) gained about 10%; splitting the batch (with the GEMM pool)
  /// took the character LSTM from 19,900-23,200 to 29,700-31,900 tokens per second.
  static let stepParallelThreshold = 2_000_000

  /// Calls `body` with `parts` (1 or 2) consecutive ranges covering `0..<batch`, each on its own
  /// thread of the GEMM worker pool; the first range is a whole number of micro-tile rows.
  static func forEachPart(of batch: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    guard parts > 1 else {
      body(0..<batch)
      return
    }
    let split = min(batch, GEMM.roundUp((batch + 1) / 2, GEMM.mr))
    WorkerPool.shared.run(threads: 2) { part in body(part == 0 ? 0..<split : split..<batch) }
  }

  /// Runs the cell over every step; returns all hidden states `[batch, time, hidden]`, the
  /// last hidden and cell states, and what backward needs. `partition` overrides
  /// `partition(batch:n:k:)` (for tests).
  static func forward<S: TensorScalar>(
    _ cell: RecurrentCellKind, x: Tensor<S>, h0: Tensor<S>, c0: Tensor<S>?, wx: Tensor<S>,
    wh: Tensor<S>, b: Tensor<S>, operation: String, partition: (parts: Int, threads: Int)? = nil
  ) -> (outputs: Tensor<S>, hidden: Tensor<S>, cell: Tensor<S>?, saved: RecurrentSaved<S>) {
    validate(cell, operation, x: x, h0: h0, c0: cell == .lstm ? c0 : nil, wx: wx, wh: wh, b: b)
    let (batch, time, features) = (x.shape[0], x.shape[1], x.shape[2])
    let hidden = h0.shape[1]
    let width = cell.gateCount * hidden
    let gates: Tensor<S> = uninitialized([batch, time, width])
    let hiddenGates: Tensor<S>? = cell == .gru ? uninitialized([batch, time, width]) : nil
    let outputs: Tensor<S> = uninitialized([batch, time, hidden])
    let cells: Tensor<S>? = cell == .lstm ? uninitialized([batch, time, hidden]) : nil
    gemm(
      m: batch * time, n: width, k: features, x.baseAddress, lda: features, wx.baseAddress,
      ldb: width, beta: 0, gates.baseAddress, ldc: width)
    let packedWh = prepacked(wh, transposed: false)
    let (parts, threads) = partition ?? Self.partition(batch: batch, n: width, k: hidden)
    let buffers = RecurrentSequenceBuffers(
      time: time, hidden: hidden, initialHidden: h0.baseAddress, initialCell: c0?.baseAddress,
      gates: gates.baseAddress, hiddenGates: hiddenGates?.baseAddress,
      outputs: outputs.baseAddress, cells: cells?.baseAddress)
    forEachPart(of: batch, parts: parts) { rows in
      RecurrentKernels.forwardSteps(
        cell, buffers, bias: b.baseAddress, packedWeights: packedWh.baseAddress, rows: rows,
        threads: threads)
    }
    func last(_ sequence: Tensor<S>) -> Tensor<S> {
      let result: Tensor<S> = uninitialized([batch, hidden])
      RecurrentKernels.copyLastStep(
        of: sequence.baseAddress, batch: batch, time: time, hidden: hidden,
        into: result.baseAddress)
      return result
    }
    return (
      outputs, last(outputs), cells.map(last),
      RecurrentSaved(gates: gates, hiddenGates: hiddenGates, cells: cells)
    )
  }

  /// The gradients `[dx, dh0, dc0 (LSTM), dW_x, dW_h, db]` from the gradients of all hidden
  /// states and of the last hidden and cell states. `partition` overrides
  /// `partition(batch:n:k:)` (for tests).
  static func backward<S: TensorScalar>(
    _ cell: RecurrentCellKind, x: Tensor<S>, h0: Tensor<S>, c0: Tensor<S>?, wx: Tensor<S>,
    wh: Tensor<S>, outputs: Tensor<S>, saved: RecurrentSaved<S>, outputGradient: Tensor<S>?,
    hiddenGradient: Tensor<S>, cellGradient: Tensor<S>?,
    partition: (parts: Int, threads: Int)? = nil
  ) -> [Tensor<S>] {
    let (batch, time, features) = (x.shape[0], x.shape[1], x.shape[2])
    let hidden = h0.shape[1]
    let width = cell.gateCount * hidden
    let dGates: Tensor<S> = uninitialized([batch, time, width])
    let dHiddenGates: Tensor<S>? = cell == .gru ? uninitialized([batch, time, width]) : nil
    let dHidden = copy(hiddenGradient)
    let dCell: Tensor<S>? = cell == .lstm ? cellGradient.map(copy) ?? .zeros(shape: h0.shape) : nil
    let packedWhT = prepacked(wh, transposed: true)
    let (parts, threads) = partition ?? Self.partition(batch: batch, n: hidden, k: width)
    let buffers = RecurrentSequenceBuffers(
      time: time, hidden: hidden, initialHidden: h0.baseAddress, initialCell: c0?.baseAddress,
      gates: saved.gates.baseAddress,
      hiddenGates: saved.hiddenGates?.baseAddress, outputs: outputs.baseAddress,
      cells: saved.cells?.baseAddress)
    let gradients = RecurrentSequenceGradients(
      outputs: outputGradient?.baseAddress, hidden: dHidden.baseAddress, cell: dCell?.baseAddress,
      gates: dGates.baseAddress, hiddenGates: dHiddenGates?.baseAddress)
    forEachPart(of: batch, parts: parts) { rows in
      RecurrentKernels.backwardSteps(
        cell, buffers, gradients, packedWeights: packedWhT.baseAddress, rows: rows,
        threads: threads)
    }
    let rows = batch * time
    let dx: Tensor<S> = uninitialized(x.shape)
    gemm(
      transposeB: true, m: rows, n: features, k: width, dGates.baseAddress, lda: width,
      wx.baseAddress, ldb: width, beta: 0, dx.baseAddress, ldc: features)
    let dwx: Tensor<S> = uninitialized(wx.shape)
    gemm(
      transposeA: true, m: features, n: width, k: rows, x.baseAddress, lda: features,
      dGates.baseAddress, ldb: width, beta: 0, dwx.baseAddress, ldc: width)
    // The previous hidden state of every step, so that dW_h is one GEMM over all steps
    // instead of one thin GEMM per step.
    let previous: Tensor<S> = uninitialized([batch, time, hidden])
    RecurrentKernels.copyPreviousStates(
      initial: h0.baseAddress, outputs: outputs.baseAddress, batch: batch, time: time,
      hidden: hidden, into: previous.baseAddress)
    let dwh: Tensor<S> = uninitialized(wh.shape)
    let dRecurrent = dHiddenGates ?? dGates
    gemm(
      transposeA: true, m: hidden, n: width, k: rows, previous.baseAddress, lda: hidden,
      dRecurrent.baseAddress, ldb: width, beta: 0, dwh.baseAddress, ldc: width)
    let db = dGates.reshaped(to: [rows, width]).sum(axis: 0)
    return [dx, dHidden] + (dCell.map { [$0] } ?? []) + [dwx, dwh, db]
  }
}
