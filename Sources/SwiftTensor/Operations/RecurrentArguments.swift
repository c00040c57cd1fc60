// The named inputs and outputs of the recurrent operations. The tape sees them as tensors in
// one order: `[x, hidden, cell (LSTM only), W_x, W_h, b]` in; `[sequence, hidden, cell (LSTM
// only)]` out of a sequence, `[hidden, cell]` out of an LSTM step. This file is the only place
// that order is written, for tensors (`tensors`, `init(tensors:)`) and for variables
// (`recurrentInputOrder`, `recurrentOutputs`, `lstmOutputs`, `onlyOutput`).

/// The inputs of one LSTM step (`LSTMCell`), with `G = 4` gate blocks `i, f, g, o`.
public struct LSTMInputs<Scalar: TensorScalar>: TensorArguments {
  /// The step's input, `[batch, features]`.
  public var x: Tensor<Scalar>
  /// The previous hidden state, `[batch, hidden]`.
  public var hidden: Tensor<Scalar>
  /// The previous cell state, `[batch, hidden]`.
  public var cell: Tensor<Scalar>
  /// `W_x`, `[features, 4·hidden]`.
  public var inputWeight: Tensor<Scalar>
  /// `W_h`, `[hidden, 4·hidden]`.
  public var hiddenWeight: Tensor<Scalar>
  /// `b`, `[4·hidden]`.
  public var bias: Tensor<Scalar>

  /// Names the inputs.
  public init(
    x: Tensor<Scalar>, hidden: Tensor<Scalar>, cell: Tensor<Scalar>, inputWeight: Tensor<Scalar>,
    hiddenWeight: Tensor<Scalar>, bias: Tensor<Scalar>
  ) {
    (self.x, self.hidden, self.cell) = (x, hidden, cell)
    (self.inputWeight, self.hiddenWeight, self.bias) = (inputWeight, hiddenWeight, bias)
  }

  /// `[x, hidden, cell, inputWeight, hiddenWeight, bias]`.
  public var tensors: [Tensor<Scalar>] { step.tensors }

  /// Takes the six tensors in the order `tensors` gives.
  public init(tensors: [Tensor<Scalar>]) {
    self.init(step: RecurrentSequenceInputs(tensors: tensors))
  }

  /// Names the tensors of a sequence operation's inputs, which must have a cell state.
  init(step: RecurrentSequenceInputs<Scalar>) {
    guard let cell = step.cell else {
      tensorFailure("LSTMCell: expected inputs [x, h, c, W_x, W_h, b], got 5 inputs")
    }
    self.init(
      x: step.x, hidden: step.hidden, cell: cell, inputWeight: step.inputWeight,
      hiddenWeight: step.hiddenWeight, bias: step.bias)
  }

  /// The same tensors as the inputs of a sequence operation (`x` still `[batch, features]`).
  var step: RecurrentSequenceInputs<Scalar> {
    RecurrentSequenceInputs(
      x: x, hidden: hidden, cell: cell, inputWeight: inputWeight, hiddenWeight: hiddenWeight,
      bias: bias)
  }
}

/// The inputs of one GRU or RNN step (`GRUCell`, `RNNCell`), whose state is only `hidden`;
/// `G` is 3 for GRU (gate blocks `r, z, n`) and 1 for RNN.
public struct RecurrentInputs<Scalar: TensorScalar>: TensorArguments {
  /// The step's input, `[batch, features]`.
  public var x: Tensor<Scalar>
  /// The previous hidden state, `[batch, hidden]`.
  public var hidden: Tensor<Scalar>
  /// `W_x`, `[features, G·hidden]`.
  public var inputWeight: Tensor<Scalar>
  /// `W_h`, `[hidden, G·hidden]`.
  public var hiddenWeight: Tensor<Scalar>
  /// `b`, `[G·hidden]`.
  public var bias: Tensor<Scalar>

  /// Names the inputs.
  public init(
    x: Tensor<Scalar>, hidden: Tensor<Scalar>, inputWeight: Tensor<Scalar>,
    hiddenWeight: Tensor<Scalar>, bias: Tensor<Scalar>
  ) {
    (self.x, self.hidden) = (x, hidden)
    (self.inputWeight, self.hiddenWeight, self.bias) = (inputWeight, hiddenWeight, bias)
  }

  /// `[x, hidden, inputWeight, hiddenWeight, bias]`.
  public var tensors: [Tensor<Scalar>] { step.tensors }

  /// Takes the five tensors in the order `tensors` gives.
  public init(tensors: [Tensor<Scalar>]) {
    self.init(step: RecurrentSequenceInputs(tensors: tensors))
  }

  /// Names the tensors of a sequence operation's inputs, which must have no cell state.
  init(step: RecurrentSequenceInputs<Scalar>) {
    tensorPrecondition(
      step.cell == nil, "GRUCell, RNNCell: expected inputs [x, h, W_x, W_h, b], got 6 inputs")
    self.init(
      x: step.x, hidden: step.hidden, inputWeight: step.inputWeight,
      hiddenWeight: step.hiddenWeight, bias: step.bias)
  }

  /// The same tensors as the inputs of a sequence operation (`x` still `[batch, features]`).
  var step: RecurrentSequenceInputs<Scalar> {
    RecurrentSequenceInputs(
      x: x, hidden: hidden, cell: nil, inputWeight: inputWeight, hiddenWeight: hiddenWeight,
      bias: bias)
  }
}

/// The outputs of one LSTM step: the new hidden and cell states, each `[batch, hidden]`.
public struct LSTMOutputs<Scalar: TensorScalar>: TensorArguments {
  /// `h'`, `[batch, hidden]`.
  public var hidden: Tensor<Scalar>
  /// `c'`, `[batch, hidden]`.
  public var cell: Tensor<Scalar>

  /// Names the outputs.
  public init(hidden: Tensor<Scalar>, cell: Tensor<Scalar>) {
    (self.hidden, self.cell) = (hidden, cell)
  }

  /// `[hidden, cell]`.
  public var tensors: [Tensor<Scalar>] { [hidden, cell] }

  /// Takes the two tensors in the order `tensors` gives.
  public init(tensors: [Tensor<Scalar>]) {
    let outputs = lstmOutputs(tensors)
    self.init(hidden: outputs.hidden, cell: outputs.cell)
  }
}

/// The inputs of `RecurrentSequence`: sequences, the initial state and one layer's weights,
/// with `G` gate blocks (4 for LSTM, 3 for GRU, 1 for RNN).
public struct RecurrentSequenceInputs<Scalar: TensorScalar>: TensorArguments {
  /// The sequences, `[batch, time, features]` (time > 0).
  public var x: Tensor<Scalar>
  /// The initial hidden state, `[batch, hidden]`.
  public var hidden: Tensor<Scalar>
  /// LSTM only (`nil` otherwise): the initial cell state, `[batch, hidden]`.
  public var cell: Tensor<Scalar>?
  /// `W_x`, `[features, G·hidden]`.
  public var inputWeight: Tensor<Scalar>
  /// `W_h`, `[hidden, G·hidden]`.
  public var hiddenWeight: Tensor<Scalar>
  /// `b`, `[G·hidden]`.
  public var bias: Tensor<Scalar>

  /// Names the inputs; `cell` is given for LSTM only.
  public init(
    x: Tensor<Scalar>, hidden: Tensor<Scalar>, cell: Tensor<Scalar>? = nil,
    inputWeight: Tensor<Scalar>, hiddenWeight: Tensor<Scalar>, bias: Tensor<Scalar>
  ) {
    (self.x, self.hidden, self.cell) = (x, hidden, cell)
    (self.inputWeight, self.hiddenWeight, self.bias) = (inputWeight, hiddenWeight, bias)
  }

  /// `[x, hidden, cell, inputWeight, hiddenWeight, bias]`, without `cell` when it is `nil`.
  public var tensors: [Tensor<Scalar>] {
    recurrentInputOrder(x, hidden, cell, inputWeight, hiddenWeight, bias)
  }

  /// Takes five tensors (no cell state) or six, in the order `tensors` gives.
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(
      tensors.count == 5 || tensors.count == 6,
      "RecurrentSequence: expected inputs [x, h0, c0 (LSTM only), W_x, W_h, b], got "
        + "\(tensors.count) inputs")
    // Read in order, each tensor named as it is taken.
    var rest = tensors[...]
    let x = rest.removeFirst()
    let hidden = rest.removeFirst()
    let cell = rest.count == 4 ? rest.removeFirst() : nil
    let inputWeight = rest.removeFirst()
    let hiddenWeight = rest.removeFirst()
    let bias = rest.removeFirst()
    self.init(
      x: x, hidden: hidden, cell: cell, inputWeight: inputWeight, hiddenWeight: hiddenWeight,
      bias: bias)
  }
}

/// The outputs of `RecurrentSequence`: every step's hidden state and the last state.
public struct RecurrentSequenceOutputs<Scalar: TensorScalar>: TensorArguments {
  /// Every step's hidden state, `[batch, time, hidden]`.
  public var sequence: Tensor<Scalar>
  /// The last hidden state, `[batch, hidden]`.
  public var hidden: Tensor<Scalar>
  /// LSTM only (`nil` otherwise): the last cell state, `[batch, hidden]`.
  public var cell: Tensor<Scalar>?

  /// Names the outputs; `cell` is given for LSTM only.
  public init(sequence: Tensor<Scalar>, hidden: Tensor<Scalar>, cell: Tensor<Scalar>? = nil) {
    (self.sequence, self.hidden, self.cell) = (sequence, hidden, cell)
  }

  /// `[sequence, hidden, cell]`, without `cell` when it is `nil`.
  public var tensors: [Tensor<Scalar>] { [sequence, hidden] + (cell.map { [$0] } ?? []) }

  /// Takes two tensors (no cell state) or three, in the order `tensors` gives.
  public init(tensors: [Tensor<Scalar>]) {
    let outputs = recurrentOutputs(tensors)
    self.init(sequence: outputs.sequence, hidden: outputs.hidden, cell: outputs.cell)
  }
}

/// `[x, hidden, cell, W_x, W_h, b]`, without `cell` when it is `nil`: the order in which the
/// tape sees a recurrent operation's inputs, for tensors and for variables.
func recurrentInputOrder<T>(
  _ x: T, _ hidden: T, _ cell: T?, _ inputWeight: T, _ hiddenWeight: T, _ bias: T
) -> [T] {
  cell.map { [x, hidden, $0, inputWeight, hiddenWeight, bias] }
    ?? [x, hidden, inputWeight, hiddenWeight, bias]
}

/// Names `[sequence, hidden, cell (LSTM only)]`, tensors or variables.
func recurrentOutputs<T>(_ outputs: [T]) -> (sequence: T, hidden: T, cell: T?) {
  tensorPrecondition(
    outputs.count == 2 || outputs.count == 3,
    "RecurrentSequence: expected outputs [hs, h_T, c_T (LSTM only)], got \(outputs.count)")
  var rest = outputs[...]
  let sequence = rest.removeFirst()
  let hidden = rest.removeFirst()
  return (sequence, hidden, rest.popFirst())
}

/// Names an LSTM step's outputs `[hidden, cell]`, tensors or variables.
func lstmOutputs<T>(_ outputs: [T]) -> (hidden: T, cell: T) {
  tensorPrecondition(
    outputs.count == 2, "LSTMCell: expected outputs [h', c'], got \(outputs.count)")
  var rest = outputs[...]
  let hidden = rest.removeFirst()
  return (hidden, rest.removeFirst())
}

/// The one output of a GRU or RNN step, `h'`.
func onlyOutput<T>(_ outputs: [T]) -> T {
  guard outputs.count == 1, let output = outputs.first else {
    tensorFailure("GRUCell, RNNCell: expected one output h', got \(outputs.count)")
  }
  return output
}
