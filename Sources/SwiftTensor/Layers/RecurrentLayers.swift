// Layers over sequences. Layout: `[batch, time, features]` in, `[batch, time, hidden]` out.

/// A lookup table of `vocabulary` vectors of `dimension` scalars (pytensor's `Embedding`).
///
/// Input: ids of any shape `[d1, ..., dn]`, as a variable holding integral values (so token
/// batches flow through `Model.forward` and the `Trainer` like any other input), or as `[Int]`
/// with a shape. Output `[d1, ..., dn, dimension]`. The table starts standard normal, as
/// PyTorch's `nn.Embedding`. Backward scatter-adds into the used rows; see `EmbeddingLookup`.
public struct Embedding<Scalar: TensorScalar>: Layer {
  /// The table, `[vocabulary, dimension]`.
  public let table: Variable<Scalar>

  /// Creates the layer and draws its table from `seed` (a model's `initializeParameters(seed:)`
  /// redraws it from the model's seed).
  public init(vocabulary: Int, dimension: Int, seed: UInt64 = 0) {
    tensorPrecondition(
      vocabulary > 0 && dimension > 0,
      "Embedding: vocabulary \(vocabulary) and dimension \(dimension) must be positive")
    _ = Tensor<Scalar>.elementCount(of: [vocabulary, dimension], operation: "Embedding")
    table = Variable(.zeros(shape: [vocabulary, dimension]), name: "table")
    initializeParameters(seed: seed)
  }

  /// The vectors of the ids held by `input`.
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    EmbeddingLookup(ids: input.value, tableName: table.name)(table)
  }

  /// The vectors of `ids` arranged in `shape`: `[shape..., dimension]`.
  public func callAsFunction(ids: [Int], shape: [Int]) -> Variable<Scalar> {
    EmbeddingLookup(ids: ids, shape: shape, tableName: table.name)(table)
  }

  /// `table`.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("embedding") {
      $0.add("table", table, initializer: .normal(standardDeviation: 1), isLookupTable: true)
    }
  }
}

/// The state of a stack of recurrent layers: one hidden state per layer, and for LSTM one cell
/// state per layer, each `[batch, hidden]`.
public struct RecurrentState<Scalar: TensorScalar> {
  /// The hidden state of each layer, bottom first.
  public var hidden: [Variable<Scalar>]
  /// LSTM only: the cell state of each layer.
  public var cell: [Variable<Scalar>]

  /// Wraps per-layer states.
  public init(hidden: [Variable<Scalar>], cell: [Variable<Scalar>] = []) {
    self.hidden = hidden
    self.cell = cell
  }

  /// The final hidden state of the top layer, `[batch, hidden]`: what a classifier reads.
  public var topHidden: Variable<Scalar> {
    guard let top = hidden.last else { tensorFailure("RecurrentState: no layers") }
    return top
  }

  /// The same values, cut from the graph: for truncated backpropagation through time, carry
  /// `state.detached()` into the next batch, so gradients stop at the batch boundary.
  public func detached() -> RecurrentState {
    RecurrentState(
      hidden: hidden.map { Variable($0.value, trainable: false) },
      cell: cell.map { Variable($0.value, trainable: false) })
  }
}

/// The parameters of one recurrent layer, with `G` gate blocks (4 for LSTM, 3 for GRU, 1 for
/// RNN); they are the weight inputs of `RecurrentSequence`.
public struct RecurrentWeights<Scalar: TensorScalar> {
  /// `W_x`, `[input, G·hidden]`, registered as `W_x`.
  public let inputWeight: Variable<Scalar>
  /// `W_h`, `[hidden, G·hidden]`, registered as `W_h`.
  public let hiddenWeight: Variable<Scalar>
  /// `b`, `[G·hidden]`, registered as `b`.
  public let bias: Variable<Scalar>

  /// Zero weights of `cell` for inputs of `inputSize` features and `hiddenSize` units; they get
  /// their values when their model is initialised.
  init(_ cell: RecurrentCellKind, inputSize: Int, hiddenSize: Int) {
    let name = RecurrentSequenceCore.name(cell)
    let width = Tensor<Scalar>.elementCount(of: [cell.gateCount, hiddenSize], operation: name)
    _ = Tensor<Scalar>.elementCount(of: [Swift.max(inputSize, hiddenSize), width], operation: name)
    inputWeight = Variable(.zeros(shape: [inputSize, width]), name: "W_x")
    hiddenWeight = Variable(.zeros(shape: [hiddenSize, width]), name: "W_h")
    bias = Variable(.zeros(shape: [width]), name: "b")
  }
}

/// A stack of recurrent layers of one cell kind; `RNN`, `LSTM` and `GRU` wrap it.
///
/// Each layer has `W_x` `[input, G·hidden]`, `W_h` `[hidden, G·hidden]` and `b` `[G·hidden]`
/// (`RecurrentWeights`), registered as `lstm_0/W_x`, `lstm_0/W_h`, `lstm_0/b`, then
/// `lstm_1/...` for the next layer. Weights start uniform in `±1/√hidden` (PyTorch's choice);
/// biases at 0, except the LSTM forget gate's at 1 (pytensor's and Jozefowicz et al. 2015's
/// advice).
public struct RecurrentStack<Scalar: TensorScalar> {
  /// The cell.
  public let cell: RecurrentCellKind
  /// Features of each step of the input.
  public let inputSize: Int
  /// Units per layer.
  public let hiddenSize: Int
  /// Each layer's parameters, bottom first.
  public let weights: [RecurrentWeights<Scalar>]

  /// Creates the stack and draws its parameters from `seed` (a model's
  /// `initializeParameters(seed:)` redraws them from the model's seed).
  public init(
    _ cell: RecurrentCellKind, inputSize: Int, hiddenSize: Int, layers: Int, seed: UInt64 = 0
  ) {
    let name = RecurrentSequenceCore.name(cell)
    tensorPrecondition(
      inputSize > 0 && hiddenSize > 0 && layers > 0,
      "\(name): input size \(inputSize), hidden size \(hiddenSize) and layers \(layers) must be "
        + "positive")
    self.cell = cell
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    weights = (0..<layers).map { layer in
      RecurrentWeights(
        cell, inputSize: layer == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize)
    }
    drawInitialValues(seed: seed, listedBy: registerParameters)
  }

  /// All hidden states of the top layer `[batch, time, hidden]` and the final state; the
  /// initial state is zero unless given.
  public func callAsFunction(
    _ input: Variable<Scalar>, initialState: RecurrentState<Scalar>? = nil
  ) -> (outputs: Variable<Scalar>, state: RecurrentState<Scalar>) {
    let name = RecurrentSequenceCore.name(cell)
    let shape = input.value.shape
    tensorPrecondition(
      shape.count == 3 && shape[2] == inputSize,
      layerPathPrefix(weights[0].inputWeight) + "\(name): input of shape "
        + "\(describe(shape: shape)); expected [batch, time, \(inputSize)]")
    let lstm = cell == .lstm
    if let initialState {
      tensorPrecondition(
        initialState.hidden.count == weights.count
          && initialState.cell.count == (lstm ? weights.count : 0),
        layerPathPrefix(weights[0].inputWeight)
          + "\(name): initial state has \(initialState.hidden.count) hidden and "
          + "\(initialState.cell.count) cell states for \(weights.count) layers")
    }
    let zero = Variable<Scalar>(.zeros(shape: [shape[0], hiddenSize]), trainable: false)
    var sequence = input
    var state = RecurrentState<Scalar>(hidden: [])
    for (layer, weights) in weights.enumerated() {
      let outputs = RecurrentSequence<Scalar>(cell)(
        sequence, hidden: initialState?.hidden[layer] ?? zero,
        cell: lstm ? initialState?.cell[layer] ?? zero : nil, inputWeight: weights.inputWeight,
        hiddenWeight: weights.hiddenWeight, bias: weights.bias)
      sequence = outputs.sequence
      state.hidden.append(outputs.hidden)
      if let cell = outputs.cell { state.cell.append(cell) }
    }
    return (sequence, state)
  }

  /// Every layer's parameters.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    let kind = RecurrentSequenceCore.name(cell).lowercased()
    let bound = 1 / Double(hiddenSize).squareRoot()
    let bias: ParameterInitializer = cell == .lstm ? .constantSegments([0, 1, 0, 0]) : .constant(0)
    for layer in weights {
      registrar.layer(kind) { scope in
        scope.add("W_x", layer.inputWeight, initializer: .uniform(bound: bound))
        scope.add("W_h", layer.hiddenWeight, initializer: .uniform(bound: bound))
        scope.add("b", layer.bias, initializer: bias)
      }
    }
  }
}

/// `RNN`, `LSTM` and `GRU`: stacked recurrent layers that differ only in their cell.
///
/// Parameters are named `<cell>_0/W_x`, `<cell>_0/W_h`, `<cell>_0/b`, then the next layer's
/// (`rnn_`, `lstm_`, `gru_`).
public protocol RecurrentLayer: Layer
where Input == Variable<Scalar>, Output == Variable<Scalar> {
  /// The layers' parameters and forward pass.
  var stack: RecurrentStack<Scalar> { get }
}

extension RecurrentLayer {
  /// Every step's hidden state of the top layer, from a zero state.
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    stack(input).outputs
  }

  /// Every step's hidden state of the top layer, `[batch, time, hiddenSize]`, and the final
  /// state of every layer.
  public func callAsFunction(
    _ input: Variable<Scalar>, initialState: RecurrentState<Scalar>?
  ) -> (outputs: Variable<Scalar>, state: RecurrentState<Scalar>) {
    stack(input, initialState: initialState)
  }

  /// The stack's parameters, in layer order.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    stack.registerParameters(registrar)
  }
}

/// Elman RNN layers (`h' = tanh(x·W_x + h·W_h + b)`, see `RNNCell`) over sequences
/// `[batch, time, inputSize]`, giving every step's hidden state `[batch, time, hiddenSize]` of
/// the top layer; see `RecurrentStack` for parameters and names.
///
/// In a `@LayerBuilder` block it maps a sequence to its hidden states, from a zero state. Call
/// `callAsFunction(_:initialState:)` to pass a state and get the final one (truncated
/// backpropagation through time: feed `state.detached()` to the next batch).
public struct RNN<Scalar: TensorScalar>: RecurrentLayer {
  /// The layers' parameters and forward pass.
  public let stack: RecurrentStack<Scalar>

  /// Creates `layers` stacked layers of `hiddenSize` units, drawn from `seed`.
  public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, seed: UInt64 = 0) {
    stack = RecurrentStack(
      .rnn, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, seed: seed)
  }
}

/// LSTM layers (see `LSTMCell`; gates `i, f, g, o`, forget-gate bias 1) over sequences
/// `[batch, time, inputSize]`, giving every step's hidden state `[batch, time, hiddenSize]` of
/// the top layer; see `RecurrentStack` for parameters and names.
///
/// In a `@LayerBuilder` block it maps a sequence to its hidden states, from a zero state. Call
/// `callAsFunction(_:initialState:)` to pass a state and get the final one (truncated
/// backpropagation through time: feed `state.detached()` to the next batch).
public struct LSTM<Scalar: TensorScalar>: RecurrentLayer {
  /// The layers' parameters and forward pass.
  public let stack: RecurrentStack<Scalar>

  /// Creates `layers` stacked layers of `hiddenSize` units, drawn from `seed`.
  public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, seed: UInt64 = 0) {
    stack = RecurrentStack(
      .lstm, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, seed: seed)
  }
}

/// GRU layers (see `GRUCell`; gates `r, z, n`) over sequences `[batch, time, inputSize]`,
/// giving every step's hidden state `[batch, time, hiddenSize]` of the top layer; see
/// `RecurrentStack` for parameters and names.
///
/// In a `@LayerBuilder` block it maps a sequence to its hidden states, from a zero state. Call
/// `callAsFunction(_:initialState:)` to pass a state and get the final one (truncated
/// backpropagation through time: feed `state.detached()` to the next batch).
public struct GRU<Scalar: TensorScalar>: RecurrentLayer {
  /// The layers' parameters and forward pass.
  public let stack: RecurrentStack<Scalar>

  /// Creates `layers` stacked layers of `hiddenSize` units, drawn from `seed`.
  public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, seed: UInt64 = 0) {
    stack = RecurrentStack(
      .gru, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, seed: seed)
  }
}
