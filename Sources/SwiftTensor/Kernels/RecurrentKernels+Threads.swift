// A time step's gate math split between the cores by rows (samples): every row is computed
// alone, so the results are those of one thread. On two threads the recurrent product of a
// step is split already, and the other core would otherwise wait through the gate math.

extension RecurrentKernels {
  /// O(rows·hidden) time, no allocation. Runs the AVX2+FMA C kernel where this CPU has it,
  /// unless `portable` (tests compare the two); split by rows between `threads` from
  /// `parallelCells` cells.
  static func forward<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentForwardStep<S>, portable: Bool = false,
    threads: Int = GEMM.coreCount
  ) {
    forEachRowShare(s.rows, hidden: s.hidden, threads: threads) { rows in
      forwardRows(cell, s.restricted(to: rows), portable: portable)
    }
  }

  /// O(rows·hidden) time, no allocation. Runs the AVX2+FMA C kernel where this CPU has it,
  /// unless `portable`; split as `forward` is.
  static func backward<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentBackwardStep<S>, portable: Bool = false,
    threads: Int = GEMM.coreCount
  ) {
    forEachRowShare(s.rows, hidden: s.hidden, threads: threads) { rows in
      backwardRows(cell, s.restricted(to: rows), portable: portable)
    }
  }

  /// From this many cells (rows × hidden units) a step's gate math is split.
  static let parallelCells = 4096

  /// Runs `body` on each thread's share of `0..<rows` when the step is split (`splitsRows`),
  /// else once on all of them.
  private static func forEachRowShare(
    _ rows: Int, hidden: Int, threads: Int, _ body: (Range<Int>) -> Void
  ) {
    guard splitsRows(rows, hidden: hidden, threads: threads) else { return body(0..<rows) }
    WorkerPool.shared.runShares(of: rows, threads: threads) { _, share in body(share) }
  }

  /// Whether a step of `rows` samples and `hidden` units is split between `threads`. O(1).
  static func splitsRows(_ rows: Int, hidden: Int, threads: Int) -> Bool {
    threads > 1 && rows > 1 && rows * hidden >= parallelCells
  }
}

extension _Rows {
  /// The rows from `range.lowerBound` on.
  @inline(__always)
  func from(_ range: Range<Int>) -> _Rows { dropping(range.lowerBound) }
}

extension _RecurrentForwardStep {
  /// The step restricted to the samples `range`.
  func restricted(to range: Range<Int>) -> Self {
    var step = self
    step.rows = range.count
    step.gates = gates.from(range)
    step.hiddenGates = hiddenGates?.from(range)
    step.previousHidden = previousHidden.from(range)
    step.previousCell = previousCell?.from(range)
    step.hiddenOutput = hiddenOutput.from(range)
    step.cellOutput = cellOutput?.from(range)
    return step
  }
}

extension _RecurrentBackwardStep {
  /// The step restricted to the samples `range`.
  func restricted(to range: Range<Int>) -> Self {
    var step = self
    step.rows = range.count
    step.gates = gates.from(range)
    step.hiddenGates = hiddenGates?.from(range)
    step.previousHidden = previousHidden.from(range)
    step.previousCell = previousCell?.from(range)
    step.cell = cell?.from(range)
    step.hiddenOutput = hiddenOutput.from(range)
    step.outputGradient = outputGradient?.from(range)
    step.hiddenGradient = hiddenGradient.from(range)
    step.cellGradient = cellGradient?.from(range)
    step.gateGradients = gateGradients.from(range)
    step.hiddenGateGradients = hiddenGateGradients?.from(range)
    return step
  }
}
