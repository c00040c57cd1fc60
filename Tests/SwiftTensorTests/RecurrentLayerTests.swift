import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The recurrent layers: a stack against its chained sequence operations, state handling and
/// parameter names.
@Suite struct RecurrentLayerTests: RecurrentFixtures {
  /// A two-layer layer equals the two sequence operations chained, in values and gradients,
  /// and its gradient with respect to its input and initial state passes the check.
  func stackedLayer<T: TensorScalar>(_: T.Type, _ cell: RecurrentCellKind) {
    let stack = RecurrentStack<T>(cell, inputSize: 3, hiddenSize: 4, layers: 2)
    let registrar = ParameterRegistrar<T>()
    stack.registerParameters(registrar)
    var generator = SeededGenerator(seed: 5)
    for parameter in registrar.parameters {
      parameter.variable.value = ParameterInitializer.uniform(bound: 0.7).makeValue(
        shape: parameter.variable.shape, using: &generator)
    }
    let lstm = cell == .lstm
    let x: Tensor<T> = values([2, 3, 3], 1)
    let states: [Tensor<T>] = (0..<(lstm ? 4 : 2)).map { values([2, 4], 2 + UInt64($0)) }
    func state(_ v: [Variable<T>]) -> RecurrentState<T> {
      lstm
        ? RecurrentState(hidden: [v[0], v[1]], cell: [v[2], v[3]])
        : RecurrentState(hidden: [v[0], v[1]])
    }
    let report = checkGradients(
      of: { v in
        let (outputs, final) = stack(v[0], initialState: state(Array(v[1...])))
        return Variable.concatenate(
          [outputs.reshaped(to: [-1])] + (final.hidden + final.cell).map { $0.reshaped(to: [-1]) })
      }, at: [x] + states)
    expectPassed(report, "\(cell) two-layer stack")

    let tape = Tape<T>()
    for parameter in registrar.parameters {
      parameter.variable.zeroGradient()  // the check above accumulated into them
      tape.watch(parameter.variable)
    }
    let layerOutput = stack(tape.variable(x), initialState: state(states.map { tape.variable($0) }))
    layerOutput.outputs.sum().backward()
    let layerGradients = registrar.parameters.map { $0.variable.gradient }
    for parameter in registrar.parameters { parameter.variable.zeroGradient() }

    let manual = Tape<T>()
    let w = stack.weights.map { weights in
      (
        input: manual.variable(weights.inputWeight.value),
        hidden: manual.variable(weights.hiddenWeight.value),
        bias: manual.variable(weights.bias.value)
      )
    }
    let s = states.map { manual.variable($0) }
    let first = RecurrentSequence<T>(cell)(
      manual.variable(x), hidden: s[0], cell: lstm ? s[2] : nil, inputWeight: w[0].input,
      hiddenWeight: w[0].hidden, bias: w[0].bias)
    let second = RecurrentSequence<T>(cell)(
      first.sequence, hidden: s[1], cell: lstm ? s[3] : nil, inputWeight: w[1].input,
      hiddenWeight: w[1].hidden, bias: w[1].bias)
    second.sequence.sum().backward()
    expectClose(layerOutput.outputs.value, second.sequence.value, "\(cell) layer output")
    // The registrar lists each layer's W_x, W_h and b, bottom layer first.
    let directWeights = w.flatMap { [$0.input, $0.hidden, $0.bias] }
    for (layer, direct) in zip(layerGradients, directWeights) {
      if let layer, let direct = direct.gradient {
        expectClose(layer, direct)
      } else {
        Issue.record("\(cell): a parameter gradient is missing")
      }
    }
  }

  @Test func stackedLayers() {
    for cell in [RecurrentCellKind.lstm, .gru, .rnn] {
      stackedLayer(Float.self, cell)
      stackedLayer(Double.self, cell)
    }
  }

  /// Carrying the detached state across two halves gives the whole sequence's outputs, and
  /// the second half's backward stops at the boundary.
  @Test func truncatedBackpropagation() {
    let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, layers: 2)
    let model = Graph<Double>("m") { lstm }
    model.initializeParameters(seed: 3)
    let x: Tensor<Double> = values([2, 6, 2], 9)
    let whole = lstm(Variable(x, trainable: false), initialState: nil).outputs.value
    let first = lstm(Variable(x[0..., 0..<3], trainable: false), initialState: nil)
    let tape = Tape<Double>()
    for parameter in model.parameters { tape.watch(parameter.variable) }
    let carried = first.state.detached()
    let second = lstm(tape.variable(x[0..., 3..<6]), initialState: carried)
    second.outputs.sum().backward()
    expectClose(Tensor.concatenate([first.outputs.value, second.outputs.value], axis: 1), whole)
    #expect(carried.hidden.allSatisfy { $0.gradient == nil })
    #expect(model.parameters.allSatisfy { $0.variable.gradient != nil })
  }

  @Test func parameterNamesAndForgetBias() {
    let model = Graph<Float>("lm") {
      LSTM(inputSize: 2, hiddenSize: 3, layers: 2)
      GRU(inputSize: 3, hiddenSize: 2)
    }
    #expect(
      model.parameters.map(\.path) == [
        "lstm_0/W_x", "lstm_0/W_h", "lstm_0/b", "lstm_1/W_x", "lstm_1/W_h", "lstm_1/b",
        "gru_0/W_x", "gru_0/W_h", "gru_0/b",
      ])
    #expect(model.parameters[2].variable.value.scalars == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    #expect(model.parameters[8].variable.value.scalars == [0, 0, 0, 0, 0, 0])
    #expect(model.predict(.zeros(shape: [4, 5, 2])).shape == [4, 5, 2])
  }
}
