/// A batch of token ids with its shape, the input of an `Embedding`.
public struct TokenBatch: Sendable {
  /// The ids, row-major.
  public let ids: [Int]
  /// The shape, for example `[batch, time]`.
  public let shape: [Int]
  /// Creates a batch.
  ///
  /// - Precondition: `ids.count` is the product of `shape`.
  public init(ids: [Int], shape: [Int]) {
    tensorPrecondition(
      ids.count == shape.reduce(1, *),
      "TokenBatch: \(ids.count) ids for shape \(describe(shape: shape))")
    self.ids = ids
    self.shape = shape
  }
}

/// A lookup table of learned vectors, one per token: ids of shape `S` give `S + [dimension]`.
public struct Embedding<Scalar: TensorScalar>: Layer {
  /// The table, `[vocabulary, dimension]`, initialised standard normal.
  public let table: Variable<Scalar>

  /// Creates the layer.
  public init(vocabulary: Int, dimension: Int) {
    tensorPrecondition(
      vocabulary > 0 && dimension > 0,
      "Embedding: vocabulary \(vocabulary) and dimension \(dimension) must be positive")
    table = Variable(.zeros(shape: [vocabulary, dimension]), name: "table")
  }

  /// The vectors of the ids.
  @inlinable
  public func callAsFunction(_ input: TokenBatch, context: LayerContext) -> Variable<Scalar> {
    EmbeddingLookup(ids: input.ids, shape: input.shape)(table)
  }

  /// The table.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("embedding") {
      $0.add("table", table, initializer: .normal(standardDeviation: 1))
    }
  }
}

/// The hidden and cell states of an LSTM, one pair per layer, each `[batch, hidden]`.
public struct LSTMState<Scalar: TensorScalar> {
  /// The hidden states, one per layer.
  public var hidden: [Variable<Scalar>]
  /// The cell states, one per layer.
  public var cell: [Variable<Scalar>]

  /// Creates a state.
  public init(hidden: [Variable<Scalar>], cell: [Variable<Scalar>]) {
    self.hidden = hidden
    self.cell = cell
  }

  /// The same values on no tape: carrying this to the next batch truncates backpropagation
  /// through time there.
  public func detached() -> LSTMState {
    LSTMState(
      hidden: hidden.map { Variable($0.value, trainable: false) },
      cell: cell.map { Variable($0.value, trainable: false) })
  }
}

/// A long short-term memory network over sequences (Hochreiter & Schmidhuber 1997), with one
/// or more stacked layers.
///
/// Input `[batch, time, inputSize]`; output all top-layer hidden states `[batch, time, hidden]`.
/// The input projection `x·Wx + b` of every time step is one GEMM; each step then runs the
/// fused `LSTMCell` (one GEMM on `h`, one pass of gate math). The forget-gate bias starts at 1.
public struct LSTM<Scalar: TensorScalar>: Layer {
  /// Per layer: input weights `[in, 4·hidden]`, recurrent weights `[hidden, 4·hidden]`,
  /// bias `[4·hidden]` (gates `[i | f | o | g]`).
  public let weights:
    [(input: Variable<Scalar>, recurrent: Variable<Scalar>, bias: Variable<Scalar>)]
  /// The size of the hidden state.
  public let hiddenSize: Int

  /// Creates the network.
  public init(inputSize: Int, hiddenSize: Int, layers: Int = 1) {
    tensorPrecondition(
      inputSize > 0 && hiddenSize > 0 && layers > 0,
      "LSTM: input size \(inputSize), hidden size \(hiddenSize) and layers \(layers) must be "
        + "positive")
    self.hiddenSize = hiddenSize
    weights = (0..<layers).map { layer in
      let fanIn = layer == 0 ? inputSize : hiddenSize
      return (
        Variable(.zeros(shape: [fanIn, 4 * hiddenSize]), name: "W_x"),
        Variable(.zeros(shape: [hiddenSize, 4 * hiddenSize]), name: "W_h"),
        Variable(.zeros(shape: [4 * hiddenSize]), name: "b")
      )
    }
  }

  /// A zero state for a batch.
  public func zeroState(batch: Int) -> LSTMState<Scalar> {
    let zeros = { Variable<Scalar>(.zeros(shape: [batch, hiddenSize]), trainable: false) }
    return LSTMState(
      hidden: weights.map { _ in zeros() }, cell: weights.map { _ in zeros() })
  }

  /// All top-layer hidden states, from a zero state.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    run(input, from: nil).outputs
  }

  /// All top-layer hidden states `[batch, time, hidden]` and the final state.
  ///
  /// - Precondition: `input` is `[batch, time, inputSize]` with `time > 0`, and the state (if
  ///   given) has this batch size and one entry per layer.
  @inlinable
  public func run(
    _ input: Variable<Scalar>, from initialState: LSTMState<Scalar>?
  ) -> (
    outputs: Variable<Scalar>, state: LSTMState<Scalar>
  ) {
    let shape = input.shape
    tensorPrecondition(
      shape.count == 3 && shape[1] > 0 && shape[2] == weights[0].input.shape[0],
      "LSTM: input of shape \(describe(shape: shape)); expected [batch, time, "
        + "\(weights[0].input.shape[0])] with time > 0")
    let (batch, time) = (shape[0], shape[1])
    var state = initialState ?? zeroState(batch: batch)
    tensorPrecondition(
      state.hidden.count == weights.count
        && state.hidden.allSatisfy { $0.shape == [batch, hiddenSize] },
      "LSTM: the initial state does not fit a batch of \(batch), \(weights.count) layers and "
        + "hidden size \(hiddenSize)")
    // Time-major, so each step's slice of the projected input is contiguous.
    var sequence = input.transposed(permutation: [1, 0, 2]).reshaped(to: [time * batch, -1])
    for (layer, w) in weights.enumerated() {
      let projected = sequence.affine(w.input, w.bias)
      var outputs: [Variable<Scalar>] = []
      var (h, c) = (state.hidden[layer], state.cell[layer])
      for t in 0..<time {
        let step = LSTMCell<Scalar>().apply(
          to: [projected[(t * batch)..<((t + 1) * batch)], h, c, w.recurrent])
        (h, c) = (step[0], step[1])
        outputs.append(h)
      }
      state.hidden[layer] = h
      state.cell[layer] = c
      sequence = Variable.concatenate(outputs)
    }
    let top = sequence.reshaped(to: [time, batch, hiddenSize]).transposed(permutation: [1, 0, 2])
    return (top, state)
  }

  /// Each layer's `W_x`, `W_h` and `b`.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("lstm") { scope in
      for (layer, w) in weights.enumerated() {
        let suffix = layer == 0 ? "" : "_\(layer)"
        let bound = 1 / Double(hiddenSize).squareRoot()
        scope.add("W_x\(suffix)", w.input, initializer: .uniform(bound: bound))
        scope.add("W_h\(suffix)", w.recurrent, initializer: .uniform(bound: bound))
        scope.add("b\(suffix)", w.bias, initializer: .segments([0, 1, 0, 0]))
      }
    }
  }
}
