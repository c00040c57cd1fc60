/// The recurrent cells the fused kernels implement.
public enum RecurrentCellKind: Sendable, Equatable {
  /// Elman cell: `h' = tanh(x·W_x + h·W_h + b)`; one gate block.
  case rnn
  /// LSTM cell with gates `i, f, g, o` (in that order along the gate axis); four blocks.
  case lstm
  /// GRU cell with gates `r, z, n`; three blocks.
  case gru

  /// The number of `hidden`-wide blocks of gate pre-activations.
  public var gateCount: Int {
    switch self {
    case .rnn: 1
    case .lstm: 4
    case .gru: 3
    }
  }
}

/// Rows of a matrix inside a larger buffer: the first element and the distance between the
/// starts of consecutive rows, in elements. Part of the recurrent kernel interface.
struct _Rows<Scalar> {
  /// The first element of the first row.
  var base: UnsafeMutablePointer<Scalar>
  /// Elements from one row's start to the next one's.
  var stride: Int
  /// Wraps a pointer and a row stride.
  init(_ base: UnsafeMutablePointer<Scalar>, stride: Int) {
    self.base = base
    self.stride = stride
  }
  /// The first element of `row`.
  @inline(__always)
  func row(_ row: Int) -> UnsafeMutablePointer<Scalar> { base + row * stride }
  /// The rows from `count` on.
  @inline(__always)
  func dropping(_ count: Int) -> _Rows { _Rows(base + count * stride, stride: stride) }
}

/// The buffers of one time step of a recurrent cell's forward gate math, for `rows` samples
/// of `hidden` units; see `RecurrentKernels.forward`.
struct _RecurrentForwardStep<Scalar> {
  /// Samples in the step.
  var rows: Int
  /// Hidden units.
  var hidden: Int
  /// Pre-activations `x·W_x` (plus `h·W_h` for RNN and LSTM) in, gate activations out.
  var gates: _Rows<Scalar>
  /// The bias, `gateCount·hidden` contiguous elements, added to `gates` by the kernel.
  var bias: UnsafeMutablePointer<Scalar>
  /// GRU only: `h·W_h`, `[rows, 3·hidden]`, read.
  var hiddenGates: _Rows<Scalar>?
  /// The previous hidden state (read by GRU).
  var previousHidden: _Rows<Scalar>
  /// LSTM only: the previous cell state.
  var previousCell: _Rows<Scalar>?
  /// The new hidden state, written.
  var hiddenOutput: _Rows<Scalar>
  /// LSTM only: the new cell state, written.
  var cellOutput: _Rows<Scalar>?
}

/// The buffers of one time step of a recurrent cell's backward gate math; see
/// `RecurrentKernels.backward`.
struct _RecurrentBackwardStep<Scalar> {
  /// Samples in the step.
  var rows: Int
  /// Hidden units.
  var hidden: Int
  /// The gate activations the forward step wrote.
  var gates: _Rows<Scalar>
  /// GRU only: `h·W_h` of the forward step.
  var hiddenGates: _Rows<Scalar>?
  /// The previous hidden state (read by GRU).
  var previousHidden: _Rows<Scalar>
  /// LSTM only: the previous cell state.
  var previousCell: _Rows<Scalar>?
  /// LSTM only: the cell state of this step.
  var cell: _Rows<Scalar>?
  /// The hidden state of this step (read by RNN).
  var hiddenOutput: _Rows<Scalar>
  /// The loss gradient with respect to this step's output, if any.
  var outputGradient: _Rows<Scalar>?
  /// In: the gradient reaching this step's hidden state through the next step. Out (GRU
  /// only): the part of the previous hidden state's gradient that bypasses `W_h`.
  var hiddenGradient: _Rows<Scalar>
  /// LSTM only: in, the gradient of this step's cell state; out, the previous one's.
  var cellGradient: _Rows<Scalar>?
  /// Out: the gradient of the pre-activations `x·W_x + b` (and, except GRU, of `h·W_h`).
  var gateGradients: _Rows<Scalar>
  /// GRU only, out: the gradient of `h·W_h`.
  var hiddenGateGradients: _Rows<Scalar>?
}

/// The element-wise halves of the fused recurrent cells: one vectorised pass over a step's
/// gates (the GEMMs are done by the caller). A row's tail is padded into a vector.
enum RecurrentKernels {
  @inline(__always)
  static func load<S: TensorScalar>(_ p: UnsafeMutablePointer<S>, _ j: Int, _ n: Int) -> S.Vector {
    n == S.Vector.scalarCount
      ? UnsafePointer(p).loadVector(at: j)
      : UnsafePointer(p).loadPartialVector(at: j, count: n, fill: 0)
  }

  @inline(__always)
  static func store<S: TensorScalar>(
    _ v: S.Vector, _ p: UnsafeMutablePointer<S>, _ j: Int, _ n: Int
  ) {
    if n == S.Vector.scalarCount {
      p.storeVector(v, at: j)
    } else {
      p.storePartialVector(v, at: j, count: n)
    }
  }

  /// Calls `body(row, j, n)` for every vector of `n` lanes starting at column `j` of every row.
  @inline(__always)
  static func forEachVector<S: TensorScalar>(
    _: S.Type, rows: Int, hidden: Int, _ body: (Int, Int, Int) -> Void
  ) {
    let width = S.Vector.scalarCount
    for row in 0..<rows {
      var j = 0
      while j < hidden {
        body(row, j, min(width, hidden - j))
        j += width
      }
    }
  }

  /// `forward` on one thread.
  static func forwardRows<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentForwardStep<S>, portable: Bool
  ) {
    if !portable && forwardC(cell, s) { return }
    switch cell {
    case .rnn: forward(.rnn, s, S.self)
    case .lstm: forward(.lstm, s, S.self)
    case .gru: forward(.gru, s, S.self)
    }
  }

  /// The forward step with `cell` a constant after inlining, so the switch leaves the loop.
  @inline(__always)
  static func forward<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentForwardStep<S>, _: S.Type
  ) {
    let h = s.hidden
    let one = S.Vector(repeating: 1)
    forEachVector(S.self, rows: s.rows, hidden: h) { row, j, n in
      let a = s.gates.row(row)
      let out = s.hiddenOutput.row(row)
      do {
        switch cell {
        case .rnn:
          let value = S._vectorTanh(load(a, j, n) + load(s.bias, j, n))
          store(value, a, j, n)
          store(value, out, j, n)
        case .lstm:
          guard let previousCell = s.previousCell, let cellOutput = s.cellOutput else { return }
          let i = S._vectorSigmoid(load(a, j, n) + load(s.bias, j, n))
          let f = S._vectorSigmoid(load(a, h + j, n) + load(s.bias, h + j, n))
          let g = S._vectorTanh(load(a, 2 * h + j, n) + load(s.bias, 2 * h + j, n))
          let o = S._vectorSigmoid(load(a, 3 * h + j, n) + load(s.bias, 3 * h + j, n))
          let c = f * load(previousCell.row(row), j, n) + i * g
          store(i, a, j, n)
          store(f, a, h + j, n)
          store(g, a, 2 * h + j, n)
          store(o, a, 3 * h + j, n)
          store(c, cellOutput.row(row), j, n)
          store(o * S._vectorTanh(c), out, j, n)
        case .gru:
          guard let hiddenGates = s.hiddenGates else { return }
          let ah = hiddenGates.row(row)
          let r = S._vectorSigmoid(load(a, j, n) + load(s.bias, j, n) + load(ah, j, n))
          let z = S._vectorSigmoid(
            load(a, h + j, n) + load(s.bias, h + j, n) + load(ah, h + j, n))
          let candidate = S._vectorTanh(
            load(a, 2 * h + j, n) + load(s.bias, 2 * h + j, n) + r * load(ah, 2 * h + j, n))
          let previous = load(s.previousHidden.row(row), j, n)
          store(r, a, j, n)
          store(z, a, h + j, n)
          store(candidate, a, 2 * h + j, n)
          store((one - z) * candidate + z * previous, out, j, n)
        }
      }
    }
  }

  /// `backward` on one thread.
  static func backwardRows<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentBackwardStep<S>, portable: Bool
  ) {
    if !portable && backwardC(cell, s) { return }
    switch cell {
    case .rnn: backward(.rnn, s, S.self)
    case .lstm: backward(.lstm, s, S.self)
    case .gru: backward(.gru, s, S.self)
    }
  }

  /// The backward step with `cell` a constant after inlining.
  @inline(__always)
  static func backward<S: TensorScalar>(
    _ cell: RecurrentCellKind, _ s: _RecurrentBackwardStep<S>, _: S.Type
  ) {
    let h = s.hidden
    let one = S.Vector(repeating: 1)
    forEachVector(S.self, rows: s.rows, hidden: h) { row, j, n in
      let a = s.gates.row(row)
      let da = s.gateGradients.row(row)
      let recurrent = s.hiddenGradient.row(row)
      do {
        var dh = load(recurrent, j, n)
        if let outputGradient = s.outputGradient { dh += load(outputGradient.row(row), j, n) }
        switch cell {
        case .rnn:
          let y = load(s.hiddenOutput.row(row), j, n)
          store(dh * (one - y * y), da, j, n)
        case .lstm:
          guard let previousCell = s.previousCell, let cellState = s.cell,
            let cellGradient = s.cellGradient
          else { return }
          let i = load(a, j, n)
          let f = load(a, h + j, n)
          let g = load(a, 2 * h + j, n)
          let o = load(a, 3 * h + j, n)
          let tc = S._vectorTanh(load(cellState.row(row), j, n))
          let dcRow = cellGradient.row(row)
          let dc = load(dcRow, j, n) + dh * o * (one - tc * tc)
          store(dc * g * i * (one - i), da, j, n)
          store(dc * load(previousCell.row(row), j, n) * f * (one - f), da, h + j, n)
          store(dc * i * (one - g * g), da, 2 * h + j, n)
          store(dh * tc * o * (one - o), da, 3 * h + j, n)
          store(dc * f, dcRow, j, n)
        case .gru:
          guard let hiddenGates = s.hiddenGates, let hiddenGateGradients = s.hiddenGateGradients
          else { return }
          let r = load(a, j, n)
          let z = load(a, h + j, n)
          let candidate = load(a, 2 * h + j, n)
          let previous = load(s.previousHidden.row(row), j, n)
          let dCandidate = dh * (one - z) * (one - candidate * candidate)
          let dr = dCandidate * load(hiddenGates.row(row), 2 * h + j, n) * r * (one - r)
          let dz = dh * (previous - candidate) * z * (one - z)
          let dah = hiddenGateGradients.row(row)
          store(dr, da, j, n)
          store(dz, da, h + j, n)
          store(dCandidate, da, 2 * h + j, n)
          store(dr, dah, j, n)
          store(dz, dah, h + j, n)
          store(dCandidate * r, dah, 2 * h + j, n)
          store(dh * z, recurrent, j, n)
        }
      }
    }
  }

  /// `destination[ids[k]] += source[k]` for rows of `width` elements. O(count·width).
  static func scatterAddRows<S: TensorScalar>(
    _ source: UnsafePointer<S>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    let vector = S.Vector.scalarCount
    for k in 0..<count {
      let from = source + k * width
      let to = destination + ids[k] * width
      var j = 0
      while j + vector <= width {
        to.storeVector(UnsafePointer(to).loadVector(at: j) + from.loadVector(at: j), at: j)
        j += vector
      }
      while j < width {
        to[j] += from[j]
        j += 1
      }
    }
  }
}
