// Fused recurrent cells: each is one operation with one backward, not a dozen taped ones.
// The gate math is one vectorised kernel per step (`Kernels/RecurrentKernels+Sequence.swift`);
// the sequence operation runs a whole sequence as one taped operation.

/// One LSTM step, fused: gates from one GEMM on `x` and one on `h`, then one vectorised pass.
///
/// Inputs (`LSTMInputs`): `x` `[batch, features]`, `hidden` `h` and `cell` `c` `[batch, hidden]`,
/// `inputWeight` `W_x` `[features, 4·hidden]`, `hiddenWeight` `W_h` `[hidden, 4·hidden]`, `bias`
/// `b` `[4·hidden]`, the gate blocks in the order `i, f, g, o` (PyTorch's). Outputs
/// (`LSTMOutputs`) `hidden` `h'` and `cell` `c'`, each `[batch, hidden]`:
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
    _ inputs: LSTMInputs<Scalar>
  ) -> (outputs: LSTMOutputs<Scalar>, saved: RecurrentSaved<Scalar>) {
    let result = cellForward(.lstm, inputs.step, name)
    guard let cell = result.outputs.cell else { tensorFailure("\(name): no cell state") }
    return (LSTMOutputs(hidden: result.outputs.hidden, cell: cell), result.saved)
  }

  /// The gradients of the inputs.
  public func backward(
    inputs: LSTMInputs<Scalar>, outputs: LSTMOutputs<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: LSTMOutputs<Scalar>
  ) -> LSTMInputs<Scalar> {
    LSTMInputs(
      step: cellBackward(
        .lstm, inputs.step, outputs.hidden, saved, gradients.hidden, gradients.cell))
  }

  /// Applies the step to variables, recording it as `apply(to:)` does.
  public func callAsFunction(
    _ x: Variable<Scalar>, hidden: Variable<Scalar>, cell: Variable<Scalar>,
    inputWeight: Variable<Scalar>, hiddenWeight: Variable<Scalar>, bias: Variable<Scalar>
  ) -> (hidden: Variable<Scalar>, cell: Variable<Scalar>) {
    lstmOutputs(apply(to: recurrentInputOrder(x, hidden, cell, inputWeight, hiddenWeight, bias)))
  }
}

/// One GRU step, fused (PyTorch's formulation with a single bias, on the input side).
///
/// Inputs (`RecurrentInputs`): `x` `[batch, features]`, `hidden` `h` `[batch, hidden]`,
/// `inputWeight` `W_x` `[features, 3·hidden]`, `hiddenWeight` `W_h` `[hidden, 3·hidden]`,
/// `bias` `b` `[3·hidden]`, gate blocks `r, z, n`. Output `h'` `[batch, hidden]`, with
/// `u = x·W_x + b`, `v = h·W_h`:
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
    _ inputs: RecurrentInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>) {
    let result = cellForward(.gru, inputs.step, name)
    return (result.outputs.hidden, result.saved)
  }

  /// The gradients of the inputs.
  public func backward(
    inputs: RecurrentInputs<Scalar>, outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: Tensor<Scalar>
  ) -> RecurrentInputs<Scalar> {
    RecurrentInputs(step: cellBackward(.gru, inputs.step, outputs, saved, gradients, nil))
  }

  /// Applies the step to variables, recording it as `apply(to:)` does; the result is `h'`.
  public func callAsFunction(
    _ x: Variable<Scalar>, hidden: Variable<Scalar>, inputWeight: Variable<Scalar>,
    hiddenWeight: Variable<Scalar>, bias: Variable<Scalar>
  ) -> Variable<Scalar> {
    onlyOutput(apply(to: recurrentInputOrder(x, hidden, nil, inputWeight, hiddenWeight, bias)))
  }
}

/// One Elman RNN step, fused: `h' = tanh(x·W_x + h·W_h + b)`.
///
/// Inputs (`RecurrentInputs`): `x` `[batch, features]`, `hidden` `h` `[batch, hidden]`,
/// `inputWeight` `W_x` `[features, hidden]`, `hiddenWeight` `W_h` `[hidden, hidden]`, `bias` `b`
/// `[hidden]`. Output `h'` `[batch, hidden]`.
/// Derivative: `da = dh'·(1 - h'²)`, `dx = da·W_xᵀ`, `dh = da·W_hᵀ`, `dW_x = xᵀ·da`,
/// `dW_h = hᵀ·da`, `db = Σ_batch da`.
public struct RNNCell<Scalar: TensorScalar>: DifferentiableOperation {
  /// Creates the operation.
  public init() {}

  /// `h'`.
  public func forwardSaving(
    _ inputs: RecurrentInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>) {
    let result = cellForward(.rnn, inputs.step, name)
    return (result.outputs.hidden, result.saved)
  }

  /// The gradients of the inputs.
  public func backward(
    inputs: RecurrentInputs<Scalar>, outputs: Tensor<Scalar>, saved: RecurrentSaved<Scalar>,
    gradients: Tensor<Scalar>
  ) -> RecurrentInputs<Scalar> {
    RecurrentInputs(step: cellBackward(.rnn, inputs.step, outputs, saved, gradients, nil))
  }

  /// Applies the step to variables, recording it as `apply(to:)` does; the result is `h'`.
  public func callAsFunction(
    _ x: Variable<Scalar>, hidden: Variable<Scalar>, inputWeight: Variable<Scalar>,
    hiddenWeight: Variable<Scalar>, bias: Variable<Scalar>
  ) -> Variable<Scalar> {
    onlyOutput(apply(to: recurrentInputOrder(x, hidden, nil, inputWeight, hiddenWeight, bias)))
  }
}

/// A recurrent cell run over whole sequences as one fused operation (what the `RNN`, `LSTM` and
/// `GRU` layers record: one tape entry per layer, whatever the length).
///
/// Inputs (`RecurrentSequenceInputs`): `x` `[batch, time, features]` (time > 0), the initial
/// `hidden` state and, for LSTM only, `cell` state, `[batch, hidden]`, and the weights as in the
/// cell operations. Outputs (`RecurrentSequenceOutputs`): `sequence` `[batch, time, hidden]`
/// holds every step's hidden state, `hidden` and (LSTM only) `cell` `[batch, hidden]` the last
/// state.
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
    _ inputs: RecurrentSequenceInputs<Scalar>
  ) -> (outputs: RecurrentSequenceOutputs<Scalar>, saved: RecurrentSaved<Scalar>) {
    let lstm = cell == .lstm
    tensorPrecondition(
      (inputs.cell != nil) == lstm,
      "\(name): expected inputs \(lstm ? "[x, h0, c0, W_x, W_h, b]" : "[x, h0, W_x, W_h, b]"), "
        + "got \(inputs.tensors.count) inputs")
    let result = RecurrentSequenceCore.forward(
      cell, x: inputs.x, h0: inputs.hidden, c0: inputs.cell, wx: inputs.inputWeight,
      wh: inputs.hiddenWeight, b: inputs.bias, operation: name)
    return (
      RecurrentSequenceOutputs(sequence: result.outputs, hidden: result.hidden, cell: result.cell),
      result.saved
    )
  }

  /// The gradients of the inputs.
  public func backward(
    inputs: RecurrentSequenceInputs<Scalar>, outputs: RecurrentSequenceOutputs<Scalar>,
    saved: RecurrentSaved<Scalar>, gradients: RecurrentSequenceOutputs<Scalar>
  ) -> RecurrentSequenceInputs<Scalar> {
    RecurrentSequenceInputs(
      tensors: RecurrentSequenceCore.backward(
        cell, x: inputs.x, h0: inputs.hidden, c0: inputs.cell, wx: inputs.inputWeight,
        wh: inputs.hiddenWeight, outputs: outputs.sequence, saved: saved,
        outputGradient: gradients.sequence, hiddenGradient: gradients.hidden,
        cellGradient: gradients.cell))
  }

  /// Applies the operation to variables, recording it as `apply(to:)` does; `cell` (the
  /// initial cell state) is given for LSTM only, and the result's `cell` is `nil` otherwise.
  public func callAsFunction(
    _ x: Variable<Scalar>, hidden: Variable<Scalar>, cell: Variable<Scalar>? = nil,
    inputWeight: Variable<Scalar>, hiddenWeight: Variable<Scalar>, bias: Variable<Scalar>
  ) -> (sequence: Variable<Scalar>, hidden: Variable<Scalar>, cell: Variable<Scalar>?) {
    recurrentOutputs(
      apply(to: recurrentInputOrder(x, hidden, cell, inputWeight, hiddenWeight, bias)))
  }
}

/// A cell's forward pass as a sequence of one step: `(h', c')` and the saved state; `step.x`
/// is `[batch, features]`.
func cellForward<S: TensorScalar>(
  _ cell: RecurrentCellKind, _ step: RecurrentSequenceInputs<S>, _ name: String
) -> (outputs: RecurrentSequenceOutputs<S>, saved: RecurrentSaved<S>) {
  let x = step.x
  tensorPrecondition(
    x.rank == 2, "\(name): input of shape \(describe(shape: x.shape)); expected [batch, features]")
  let result = RecurrentSequenceCore.forward(
    cell, x: x.reshaped(to: [x.shape[0], 1, x.shape[1]]), h0: step.hidden, c0: step.cell,
    wx: step.inputWeight, wh: step.hiddenWeight, b: step.bias, operation: name)
  return (
    RecurrentSequenceOutputs(sequence: result.outputs, hidden: result.hidden, cell: result.cell),
    result.saved
  )
}

/// A cell's backward pass as a sequence of one step: the gradients of `step`'s tensors.
func cellBackward<S: TensorScalar>(
  _ cell: RecurrentCellKind, _ step: RecurrentSequenceInputs<S>, _ hidden: Tensor<S>,
  _ saved: RecurrentSaved<S>, _ hiddenGradient: Tensor<S>, _ cellGradient: Tensor<S>?
) -> RecurrentSequenceInputs<S> {
  let x = step.x
  var gradients = RecurrentSequenceInputs(
    tensors: RecurrentSequenceCore.backward(
      cell, x: x.reshaped(to: [x.shape[0], 1, x.shape[1]]), h0: step.hidden, c0: step.cell,
      wx: step.inputWeight, wh: step.hiddenWeight,
      outputs: hidden.reshaped(to: [x.shape[0], 1, hidden.shape[1]]), saved: saved,
      outputGradient: nil, hiddenGradient: hiddenGradient, cellGradient: cellGradient))
  gradients.x = gradients.x.reshaped(to: x.shape)
  return gradients
}
