import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Embedding and the fused recurrent cell and sequence operations: gradients against central
/// differences in Float and Double, and hand-worked values.
@Suite struct RecurrentTests: RecurrentFixtures {
  func cellGradients<T: TensorScalar>(_: T.Type) {
    for (seed, (batch, _, features, hidden)) in shapes.enumerated() {
      let s = UInt64(seed) * 100
      let shape = "batch \(batch) features \(features) hidden \(hidden)"
      func step(_ cell: RecurrentCellKind) -> RecurrentSequenceInputs<T> {
        recurrentInputs(cell, batch: batch, time: nil, features: features, hidden: hidden, seed: s)
      }
      let lstm = step(.lstm)
      guard let lstmCell = lstm.cell else {
        Issue.record("no LSTM cell state")
        return
      }
      let lstmInputs = LSTMInputs(
        x: lstm.x, hidden: lstm.hidden, cell: lstmCell, inputWeight: lstm.inputWeight,
        hiddenWeight: lstm.hiddenWeight, bias: lstm.bias)
      expectPassed(
        checkGradients(of: LSTMCell<T>(), at: lstmInputs.tensors), "LSTMCell \(shape)")
      for (cell, operation) in [(RecurrentCellKind.gru, "GRUCell"), (.rnn, "RNNCell")] {
        let named = step(cell)
        let inputs = RecurrentInputs(
          x: named.x, hidden: named.hidden, inputWeight: named.inputWeight,
          hiddenWeight: named.hiddenWeight, bias: named.bias)
        let report =
          cell == .gru
          ? checkGradients(of: GRUCell<T>(), at: inputs.tensors)
          : checkGradients(of: RNNCell<T>(), at: inputs.tensors)
        expectPassed(report, "\(operation) \(shape)")
      }
    }
  }

  @Test func cellGradients() {
    cellGradients(Float.self)
    cellGradients(Double.self)
  }

  func sequenceGradients<T: TensorScalar>(_: T.Type) {
    for (seed, (batch, time, features, hidden)) in shapes.enumerated() {
      for cell in [RecurrentCellKind.lstm, .gru, .rnn] {
        let inputs: RecurrentSequenceInputs<T> = recurrentInputs(
          cell, batch: batch, time: time, features: features, hidden: hidden,
          seed: UInt64(seed) * 100 + 7)
        expectPassed(
          checkGradients(of: RecurrentSequence<T>(cell), at: inputs.tensors),
          "\(cell) sequence batch \(batch) time \(time) features \(features) hidden \(hidden)")
      }
    }
  }

  @Test func sequenceGradients() {
    sequenceGradients(Float.self)
    sequenceGradients(Double.self)
  }

  /// One LSTM step worked by hand: x = 1, h = c = 0.5, one unit.
  @Test func lstmStepByHand() {
    let inputs = LSTMInputs<Double>(
      x: [[1]], hidden: [[0.5]], cell: [[0.5]], inputWeight: [[0.1, 0.2, 0.3, 0.4]],
      hiddenWeight: [[0.5, 0.6, 0.7, 0.8]], bias: [0, 1, 0, 0])
    // a = [0.35, 1.5, 0.65, 0.8]; c' = σ(1.5)·0.5 + σ(0.35)·tanh(0.65); h' = σ(0.8)·tanh(c').
    let (output, _) = LSTMCell<Double>().forwardSaving(inputs)
    expectClose(output.hidden, [[0.4358149788508088]], tolerance: 1e-14)
    expectClose(output.cell, [[0.7441388895414256]], tolerance: 1e-14)
  }

  /// `LSTMCell` on variables (the README's spelling) gives the operation's outputs by name and
  /// records one entry that reaches every input.
  @Test func lstmCellOnVariables() {
    let named: RecurrentSequenceInputs<Double> = recurrentInputs(
      .lstm, batch: 2, time: nil, features: 3, hidden: 4, seed: 1)
    guard let cellState = named.cell else {
      Issue.record("no LSTM cell state")
      return
    }
    let tape = Tape<Double>()
    let (x, h, c) = (tape.variable(named.x), tape.variable(named.hidden), tape.variable(cellState))
    let (wx, wh, b) = (
      tape.variable(named.inputWeight), tape.variable(named.hiddenWeight), tape.variable(named.bias)
    )
    let step = LSTMCell<Double>()(x, hidden: h, cell: c, inputWeight: wx, hiddenWeight: wh, bias: b)
    let expected = LSTMCell<Double>().forwardSaving(
      LSTMInputs(
        x: named.x, hidden: named.hidden, cell: cellState, inputWeight: named.inputWeight,
        hiddenWeight: named.hiddenWeight, bias: named.bias)
    ).outputs
    expectClose(step.hidden.value, expected.hidden)
    expectClose(step.cell.value, expected.cell)
    (step.hidden.sum() + step.cell.sum()).backward()
    #expect([x, h, c, wx, wh, b].allSatisfy { $0.gradient != nil })
  }

  /// `GRUCell` and `RNNCell` on variables give the operations' outputs.
  @Test func gruAndRNNCellsOnVariables() {
    for cell in [RecurrentCellKind.gru, .rnn] {
      let named: RecurrentSequenceInputs<Double> = recurrentInputs(
        cell, batch: 2, time: nil, features: 3, hidden: 4, seed: 2)
      let inputs = RecurrentInputs(
        x: named.x, hidden: named.hidden, inputWeight: named.inputWeight,
        hiddenWeight: named.hiddenWeight, bias: named.bias)
      let (x, h) = (Variable(named.x), Variable(named.hidden))
      let (wx, wh, b) = (
        Variable(named.inputWeight), Variable(named.hiddenWeight), Variable(named.bias)
      )
      let (output, expected) =
        cell == .gru
        ? (
          GRUCell<Double>()(x, hidden: h, inputWeight: wx, hiddenWeight: wh, bias: b),
          GRUCell<Double>().forwardSaving(inputs).outputs
        )
        : (
          RNNCell<Double>()(x, hidden: h, inputWeight: wx, hiddenWeight: wh, bias: b),
          RNNCell<Double>().forwardSaving(inputs).outputs
        )
      expectClose(output.value, expected, "\(cell)")
    }
  }

  /// A cell state is given to a sequence operation exactly when its cell is LSTM, and an LSTM
  /// step is given one; the messages name the expected inputs.
  @Test func cellStateMistakes() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let (x, h) = (
          Variable<Float>(.zeros(shape: [1, 2, 3])), Variable<Float>(.zeros(shape: [1, 4]))
        )
        _ = RecurrentSequence<Float>(.lstm)(
          x, hidden: h, inputWeight: Variable(.zeros(shape: [3, 16])),
          hiddenWeight: Variable(.zeros(shape: [4, 16])), bias: Variable(.zeros(shape: [16])))
      }, "LSTM: expected inputs [x, h0, c0, W_x, W_h, b], got 5 inputs")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = LSTMCell<Float>().apply(
          to: (0..<5).map { _ in Variable<Float>(.zeros(shape: [1, 1])) })
      }, "LSTMCell: expected inputs [x, h, c, W_x, W_h, b], got 5 inputs")
  }

  func embeddingGradients<T: TensorScalar>(_: T.Type) {
    let cases: [(ids: [Int], shape: [Int])] = [
      ([2], [1]), ([0, 3, 3, 1, 0, 3], [2, 3]), ([1], []),
    ]
    for (seed, (ids, shape)) in cases.enumerated() {
      let table: Tensor<T> = values([4, 3], UInt64(seed))
      expectPassed(
        checkGradients(of: EmbeddingLookup<T>(ids: ids, shape: shape), at: [table]),
        "embedding ids \(ids)")
    }
    let table: Tensor<T> = [[0, 1], [2, 3], [4, 5]]
    let ids: Tensor<T> = [[2, 0], [2, 1]]
    let lookup = EmbeddingLookup<T>(ids: ids)
    expectClose(lookup(table), [[[4, 5], [0, 1]], [[4, 5], [2, 3]]])
    let gradient = lookup.backward(table, lookup(table), Tensor<T>.ones(shape: [2, 2, 2]))
    expectClose(gradient, [[1, 1], [1, 1], [2, 2]])
  }

  @Test func embedding() {
    embeddingGradients(Float.self)
    embeddingGradients(Double.self)
  }
}
