// Fused recurrent cells: each is one operation with one backward, not a dozen taped ones.
// The gate math is one vectorised kernel per step (`TensorScalar._recurrentForwardKernel`);
// the sequence operation runs a whole sequence as one taped operation.

/// One LSTM step, fused: gates from one GEMM on `x` and one on `h`, then one vectorised pass.
///
/// Inputs `[x, h, c, W_x, W_h, b]`: `x` `[batch, features]`, `h` and `c` `[batch, hidden]`,
/// `W_x` `[features, 4·hidden]`, `W_h` `[hidden, 4·hidden]`, `b` `[4·hidden]`, the gate blocks
/// in the order `i, f, g, o` (PyTorch's). Outputs `(h', c')`, each `[batch, hidden]`:
///
///     a = x·W_x + h·W_h + b,  i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///     c' = f·c + i·g,  h' = o·tanh(c')
///
/// Derivative: with `dc = dc' + dh'·o·(1 - tanh²c')`: `da_i = dc·g·i(1-i)`,
/// `da_f = dc·c·f(1-f)`, `da_g = dc·i(1-g²)`, `da_o = dh'·tanh(c')·o(1-o)`; then `dx = da·W_xᵀ`,
/// `dh = da·W_hᵀ`, `dc = dc·f`, `dW_x = xᵀ·da`, `dW_h = hᵀ·da`, `db = Σ_batch da`.
public struct LSTMCell<Scalar: TensorScalar>: DifferentiableOperation {
  /// Creates the operation.
  public init() {}

  /// `(h', c')`, saving the gate activations.
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (outputs: TensorPair<Scalar>, saved: RecurrentSaved<Scalar>) {
    let (h, c, saved) = cellForward(.lstm, inputs.tensors, name)
    return (TensorPair(h, c ?? h), saved)
  }

  /// The gradients of `[x, h, c, W_x, W_h, b]`.
  public func backward(
    inputs: TensorList<Scalar>, outputs: TensorPair<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: TensorPair<Scalar>
  ) -> TensorList<Scalar> {
    cellBackward(
      .lstm, inputs.tensors, outputs.first, saved, gradients.first, gradients.second)
  }
}

/// One GRU step, fused (PyTorch's formulation with a single bias, on the input side).
///
/// Inputs `[x, h, W_x, W_h, b]`: `x` `[batch, features]`, `h` `[batch, hidden]`,
/// `W_x` `[features, 3·hidden]`, `W_h` `[hidden, 3·hidden]`, `b` `[3·hidden]`, gate blocks
/// `r, z, n`. Output `h'` `[batch, hidden]`, with `u = x·W_x + b`, `v = h·W_h`:
///
///     r = σ(u_r + v_r), z = σ(u_z + v_z), n = tanh(u_n + r·v_n),  h' = (1 - z)·n + z·h
///
/// Derivative: `dn = dh'·(1-z)(1-n²)`, `dr = dn·v_n·r(1-r)`, `dz = dh'·(h-n)·z(1-z)`;
/// `du = [dr, dz, dn]`, `dv = [dr, dz, dn·r]`, `dh = dh'·z + dv·W_hᵀ`, `dx = du·W_xᵀ`,
/// `dW_x = xᵀ·du`, `dW_h = hᵀ·dv`, `db = Σ_batch du`.
public struct GRUCell<Scalar: TensorScalar>: DifferentiableOperation {
  /// Creates the operation.
  public init() {}

  /// `h'`, saving the gate activations and `h·W_h`.
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>) {
    let (h, _, saved) = cellForward(.gru, inputs.tensors, name)
    return (h, saved)
  }

  /// The gradients of `[x, h, W_x, W_h, b]`.
  public func backward(
    inputs: TensorList<Scalar>, outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: Tensor<Scalar>
  ) -> TensorList<Scalar> {
    cellBackward(.gru, inputs.tensors, outputs, saved, gradients, nil)
  }
}

/// One Elman RNN step, fused: `h' = tanh(x·W_x + h·W_h + b)`.
///
/// Inputs `[x, h, W_x, W_h, b]`: `x` `[batch, features]`, `h` `[batch, hidden]`,
/// `W_x` `[features, hidden]`, `W_h` `[hidden, hidden]`, `b` `[hidden]`. Output `[batch, hidden]`.
/// Derivative: `da = dh'·(1 - h'²)`, `dx = da·W_xᵀ`, `dh = da·W_hᵀ`, `dW_x = xᵀ·da`,
/// `dW_h = hᵀ·da`, `db = Σ_batch da`.
public struct RNNCell<Scalar: TensorScalar>: DifferentiableOperation {
  /// Creates the operation.
  public init() {}

  /// `h'`.
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>) {
    let (h, _, saved) = cellForward(.rnn, inputs.tensors, name)
    return (h, saved)
  }

  /// The gradients of `[x, h, W_x, W_h, b]`.
  public func backward(
    inputs: TensorList<Scalar>, outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: Tensor<Scalar>
  ) -> TensorList<Scalar> {
    cellBackward(.rnn, inputs.tensors, outputs, saved, gradients, nil)
  }
}

/// A recurrent cell run over whole sequences as one fused operation (what the `RNN`, `LSTM` and
/// `GRU` layers record: one tape entry per layer, whatever the length).
///
/// Inputs `[x, h0, c0, W_x, W_h, b]` for LSTM, `[x, h0, W_x, W_h, b]` otherwise, with
/// `x` `[batch, time, features]` (time > 0) and the weights as in the cell operations.
/// Outputs `[hs, h_T, c_T]` for LSTM, `[hs, h_T]` otherwise: `hs` `[batch, time, hidden]` holds
/// every step's hidden state, `h_T` and `c_T` `[batch, hidden]` the last state.
///
/// Derivative: backpropagation through time; each step's gradients are its cell's (see
/// `LSTMCell`, `GRUCell`, `RNNCell`), and the weight gradients sum over all steps.
public struct RecurrentSequence<Scalar: TensorScalar>: DifferentiableOperation {
  /// The cell.
  public var cell: RecurrentCellKind

  /// Creates the operation for `cell`.
  public init(_ cell: RecurrentCellKind) { self.cell = cell }

  /// `"LSTM"`, `"GRU"` or `"RNN"`.
  public var name: String { RecurrentSequenceCore.name(cell) }

  /// All hidden states and the last state.
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (outputs: TensorList<Scalar>, saved: RecurrentSaved<Scalar>) {
    let t = inputs.tensors
    let lstm = cell == .lstm
    tensorPrecondition(
      t.count == (lstm ? 6 : 5),
      "\(name): expected inputs \(lstm ? "[x, h0, c0, W_x, W_h, b]" : "[x, h0, W_x, W_h, b]"), "
        + "got \(t.count) inputs")
    let w = lstm ? 3 : 2
    let result = RecurrentSequenceCore.forward(
      cell, x: t[0], h0: t[1], c0: lstm ? t[2] : nil, wx: t[w], wh: t[w + 1], b: t[w + 2],
      operation: name)
    let outputs = [result.outputs, result.hidden] + (result.cell.map { [$0] } ?? [])
    return (TensorList(tensors: outputs), result.saved)
  }

  /// The gradients of the inputs, in their order.
  public func backward(
    inputs: TensorList<Scalar>, outputs: TensorList<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: TensorList<Scalar>
  ) -> TensorList<Scalar> {
    let (t, g) = (inputs.tensors, gradients.tensors)
    let lstm = cell == .lstm
    let w = lstm ? 3 : 2
    return TensorList(
      tensors: RecurrentSequenceCore.backward(
        cell, x: t[0], h0: t[1], c0: lstm ? t[2] : nil, wx: t[w], wh: t[w + 1],
        outputs: outputs.tensors[0], saved: saved, outputGradient: g[0], hiddenGradient: g[1],
        cellGradient: lstm ? g[2] : nil))
  }
}

/// A cell's forward pass as a sequence of one step: `(h', c')` and the saved state.
func cellForward<S: TensorScalar>(
  _ cell: RecurrentCellKind, _ t: [Tensor<S>], _ name: String
) -> (Tensor<S>, Tensor<S>?, RecurrentSaved<S>) {
  let lstm = cell == .lstm
  tensorPrecondition(
    t.count == (lstm ? 6 : 5),
    "\(name): expected inputs \(lstm ? "[x, h, c, W_x, W_h, b]" : "[x, h, W_x, W_h, b]"), got "
      + "\(t.count) inputs")
  tensorPrecondition(
    t[0].rank == 2,
    "\(name): input of shape \(describe(shape: t[0].shape)); expected [batch, features]")
  let w = lstm ? 3 : 2
  let result = RecurrentSequenceCore.forward(
    cell, x: t[0].reshaped(to: [t[0].shape[0], 1, t[0].shape[1]]), h0: t[1],
    c0: lstm ? t[2] : nil, wx: t[w], wh: t[w + 1], b: t[w + 2], operation: name)
  return (result.hidden, result.cell, result.saved)
}

/// A cell's backward pass as a sequence of one step.
func cellBackward<S: TensorScalar>(
  _ cell: RecurrentCellKind, _ t: [Tensor<S>], _ hidden: Tensor<S>, _ saved: RecurrentSaved<S>,
  _ hiddenGradient: Tensor<S>, _ cellGradient: Tensor<S>?
) -> TensorList<S> {
  let lstm = cell == .lstm
  let w = lstm ? 3 : 2
  let x = t[0]
  var gradients = RecurrentSequenceCore.backward(
    cell, x: x.reshaped(to: [x.shape[0], 1, x.shape[1]]), h0: t[1], c0: lstm ? t[2] : nil,
    wx: t[w], wh: t[w + 1], outputs: hidden.reshaped(to: [x.shape[0], 1, hidden.shape[1]]),
    saved: saved, outputGradient: nil, hiddenGradient: hiddenGradient, cellGradient: cellGradient)
  gradients[0] = gradients[0].reshaped(to: x.shape)
  return TensorList(tensors: gradients)
}
