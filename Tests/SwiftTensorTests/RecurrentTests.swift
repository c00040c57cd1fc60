import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Embedding, the fused recurrent cells and the sequence layers: gradients against central
/// differences in Float and Double, hand-worked values, state handling and names.
@Suite struct RecurrentTests {
  /// Values in [-scale, scale), distinct per seed.
  func values<T: TensorScalar>(_ shape: [Int], _ seed: UInt64, scale: T = 1) -> Tensor<T> {
    Tensor<T>.random(shape: shape, lower: -scale, upper: scale, seed: seed)
  }

  /// `(batch, time, features, hidden)`: batch 1, time 1, and a hidden size past one vector.
  let shapes = [(1, 1, 1, 1), (2, 3, 2, 3), (1, 4, 3, 2), (3, 2, 2, 9)]

  func expectPassed<T: TensorScalar>(
    _ report: GradientCheckReport<T>, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(report.passed, "\(T.self) \(what): \(report)", sourceLocation: sourceLocation)
  }

  /// The inputs of a cell or sequence operation, seeded.
  func cellInputs<T: TensorScalar>(
    _ cell: RecurrentCellKind, batch: Int, time: Int?, features: Int, hidden: Int, seed: UInt64
  ) -> [Tensor<T>] {
    let width = cell.gateCount * hidden
    let x: Tensor<T> = values(time.map { [batch, $0, features] } ?? [batch, features], seed)
    let states: [Tensor<T>] = (0..<(cell == .lstm ? 2 : 1)).map {
      values([batch, hidden], seed + 10 + UInt64($0))
    }
    return [x] + states + [
      values([features, width], seed + 20, scale: 0.8),
      values([hidden, width], seed + 21, scale: 0.8),
      values([width], seed + 22, scale: 0.5),
    ]
  }

  func cellGradients<T: TensorScalar>(_: T.Type) {
    for (seed, (batch, _, features, hidden)) in shapes.enumerated() {
      let s = UInt64(seed) * 100
      let shape = "batch \(batch) features \(features) hidden \(hidden)"
      expectPassed(
        checkGradients(
          of: LSTMCell<T>(),
          at: cellInputs(
            .lstm, batch: batch, time: nil, features: features, hidden: hidden, seed: s)),
        "LSTMCell \(shape)")
      expectPassed(
        checkGradients(
          of: GRUCell<T>(),
          at: cellInputs(.gru, batch: batch, time: nil, features: features, hidden: hidden, seed: s)
        ),
        "GRUCell \(shape)")
      expectPassed(
        checkGradients(
          of: RNNCell<T>(),
          at: cellInputs(.rnn, batch: batch, time: nil, features: features, hidden: hidden, seed: s)
        ),
        "RNNCell \(shape)")
    }
  }

  @Test func cellGradients() {
    cellGradients(Float.self)
    cellGradients(Double.self)
  }

  func sequenceGradients<T: TensorScalar>(_: T.Type) {
    for (seed, (batch, time, features, hidden)) in shapes.enumerated() {
      for cell in [RecurrentCellKind.lstm, .gru, .rnn] {
        let inputs: [Tensor<T>] = cellInputs(
          cell, batch: batch, time: time, features: features, hidden: hidden,
          seed: UInt64(seed) * 100 + 7)
        expectPassed(
          checkGradients(of: RecurrentSequence<T>(cell), at: inputs),
          "\(cell) sequence batch \(batch) time \(time) features \(features) hidden \(hidden)")
      }
    }
  }

  @Test func sequenceGradients() {
    sequenceGradients(Float.self)
    sequenceGradients(Double.self)
  }

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
    let w = registrar.parameters.map { manual.variable($0.variable.value) }
    let s = states.map { manual.variable($0) }
    let first = RecurrentSequence<T>(cell).apply(
      to: [manual.variable(x), s[0]] + (lstm ? [s[2]] : []) + Array(w[0..<3]))
    let second = RecurrentSequence<T>(cell).apply(
      to: [first[0], s[1]] + (lstm ? [s[3]] : []) + Array(w[3..<6]))
    second[0].sum().backward()
    expectClose(layerOutput.outputs.value, second[0].value, "\(cell) layer output")
    for (layer, direct) in zip(layerGradients, w) {
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

  /// One LSTM step worked by hand: x = 1, h = c = 0.5, one unit.
  @Test func lstmStepByHand() {
    let inputs: [Tensor<Double>] = [
      [[1]], [[0.5]], [[0.5]], [[0.1, 0.2, 0.3, 0.4]], [[0.5, 0.6, 0.7, 0.8]], [0, 1, 0, 0],
    ]
    // a = [0.35, 1.5, 0.65, 0.8]; c' = σ(1.5)·0.5 + σ(0.35)·tanh(0.65); h' = σ(0.8)·tanh(c').
    let (output, _) = LSTMCell<Double>().forwardSaving(TensorList(tensors: inputs))
    expectClose(output.first, [[0.4358149788508088]], tolerance: 1e-14)
    expectClose(output.second, [[0.7441388895414256]], tolerance: 1e-14)
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

  /// The per-step product with a prepacked operand, on one and two threads, transposed or
  /// not, against `matmul`; shapes cover edge tiles and several depth blocks.
  @Test func prepackedProducts() {
    for (m, k, n) in [(1, 3, 5), (7, 300, 33), (32, 40, 70)] {
      for transposed in [false, true] {
        let a: Tensor<Float> = values([m, k], 1)
        let b: Tensor<Float> = values(transposed ? [n, k] : [k, n], 2)
        let expected = a.matmul(b, transposingOther: transposed) + 1
        for threads in [1, 2] {
          let packed =
            RecurrentSequenceCore.uninitialized([GEMM.prepackedCount(Float.self, k: k, n: n)])
            as Tensor<Float>
          Float._prepack(
            transposed: transposed, b.baseAddress, ldb: b.shape[1], k: k, n: n,
            into: packed.baseAddress)
          let c = RecurrentSequenceCore.copy(Tensor<Float>.ones(shape: [m, n]))
          Float._gemmPrepacked(
            m: m, n: n, k: k, a.baseAddress, lda: k, packedB: packed.baseAddress, beta: 1,
            c.baseAddress, ldc: n, threads: threads)
          expectClose(c, expected, tolerance: 1e-4, "m \(m) k \(k) n \(n) threads \(threads)")
        }
      }
    }
  }

  /// Splitting the batch between two threads (each runs every step for its samples), or each
  /// step's product by columns, gives the single-threaded results, for every cell; batches of
  /// 13 (a 12 + 1 split) and 5 (one part empty).
  @Test(arguments: [RecurrentCellKind.rnn, .lstm, .gru])
  func partitionedSequencesMatchOneThread(cell: RecurrentCellKind) {
    for batch in [13, 5] {
      let (time, features, hidden) = (4, 3, 7)
      let width = cell.gateCount * hidden
      let x: Tensor<Double> = values([batch, time, features], 1)
      let h0: Tensor<Double> = values([batch, hidden], 2)
      let c0: Tensor<Double>? = cell == .lstm ? values([batch, hidden], 3) : nil
      let wx: Tensor<Double> = values([features, width], 4)
      let wh: Tensor<Double> = values([hidden, width], 5)
      let b: Tensor<Double> = values([width], 6)
      let dOutputs: Tensor<Double> = values([batch, time, hidden], 7)
      let dHidden: Tensor<Double> = values([batch, hidden], 8)
      let dCell: Tensor<Double>? = cell == .lstm ? values([batch, hidden], 9) : nil
      func run(_ partition: (parts: Int, threads: Int)) -> [Tensor<Double>] {
        let forward = RecurrentSequenceCore.forward(
          cell, x: x, h0: h0, c0: c0, wx: wx, wh: wh, b: b, operation: "test",
          partition: partition)
        let gradients = RecurrentSequenceCore.backward(
          cell, x: x, h0: h0, c0: c0, wx: wx, wh: wh, outputs: forward.outputs,
          saved: forward.saved, outputGradient: dOutputs, hiddenGradient: dHidden,
          cellGradient: dCell, partition: partition)
        return [forward.outputs, forward.hidden] + (forward.cell.map { [$0] } ?? []) + gradients
      }
      let reference = run((1, 1))
      for partition in [(parts: 2, threads: 1), (parts: 1, threads: 2)] {
        let results = run(partition)
        #expect(results.count == reference.count)
        for (index, (result, expected)) in zip(results, reference).enumerated() {
          expectClose(
            result, expected, tolerance: 1e-12,
            "\(cell) batch \(batch) \(partition) result \(index)")
        }
      }
    }
  }

  /// The step kernels in C (where this CPU has AVX2+FMA) against the portable Swift ones, for
  /// every cell, on rows with a tail shorter than a vector and row strides wider than the rows,
  /// with and without an output gradient; padding included (nothing written past a row).
  @Test(arguments: [RecurrentCellKind.rnn, .lstm, .gru])
  func stepKernelsInCMatchSwift(cell: RecurrentCellKind) {
    func check<S: TensorScalar>(_: S.Type, hidden: Int, tolerance: S) {
      let rows = 3
      let width = cell.gateCount * hidden
      let gateStride = width + 5
      let stateStride = hidden + 3
      func buffer(_ columns: Int, _ seed: UInt64, scale: S = 1) -> Tensor<S> {
        RecurrentSequenceCore.copy(values([rows, columns], seed, scale: scale))
      }
      func rowsOf(_ tensor: Tensor<S>, _ stride: Int) -> _Rows<S> {
        _Rows(tensor.baseAddress, stride: stride)
      }
      let preActivations = buffer(gateStride, 1, scale: 3)
      let bias: Tensor<S> = values([width], 2)
      let previousCell = buffer(stateStride, 3, scale: 2)
      let previousHidden = buffer(stateStride, 10)
      let hiddenGates = buffer(gateStride, 12, scale: 2)
      var results: [[Tensor<S>]] = []
      for portable in [true, false] {
        let gates = RecurrentSequenceCore.copy(preActivations)
        let cellState = buffer(stateStride, 4)
        let output = buffer(stateStride, 5)
        RecurrentKernels.forward(
          cell,
          _RecurrentForwardStep(
            rows: rows, hidden: hidden, gates: rowsOf(gates, gateStride), bias: bias.baseAddress,
            hiddenGates: cell == .gru ? rowsOf(hiddenGates, gateStride) : nil,
            previousHidden: rowsOf(previousHidden, stateStride),
            previousCell: cell == .lstm ? rowsOf(previousCell, stateStride) : nil,
            hiddenOutput: rowsOf(output, stateStride),
            cellOutput: cell == .lstm ? rowsOf(cellState, stateStride) : nil),
          portable: portable)
        var stepResults = [gates, cellState, output]
        for withOutputGradient in [false, true] {
          let cellGradient = buffer(stateStride, 6)
          let gateGradients = buffer(gateStride, 7)
          let hiddenGateGradients = buffer(gateStride, 13)
          let hiddenGradient = buffer(stateStride, 9)
          RecurrentKernels.backward(
            cell,
            _RecurrentBackwardStep(
              rows: rows, hidden: hidden, gates: rowsOf(gates, gateStride),
              hiddenGates: cell == .gru ? rowsOf(hiddenGates, gateStride) : nil,
              previousHidden: rowsOf(previousHidden, stateStride),
              previousCell: cell == .lstm ? rowsOf(previousCell, stateStride) : nil,
              cell: cell == .lstm ? rowsOf(cellState, stateStride) : nil,
              hiddenOutput: rowsOf(output, stateStride),
              outputGradient: withOutputGradient
                ? rowsOf(buffer(stateStride, 8), stateStride) : nil,
              hiddenGradient: rowsOf(hiddenGradient, stateStride),
              cellGradient: cell == .lstm ? rowsOf(cellGradient, stateStride) : nil,
              gateGradients: rowsOf(gateGradients, gateStride),
              hiddenGateGradients: cell == .gru ? rowsOf(hiddenGateGradients, gateStride) : nil),
            portable: portable)
          stepResults += [cellGradient, gateGradients, hiddenGateGradients, hiddenGradient]
        }
        results.append(stepResults)
      }
      let names = [
        "gates", "cell", "output", "dc", "dgates", "dgates (hidden side)", "dh",
        "dc with dy", "dgates with dy", "dgates (hidden side) with dy", "dh with dy",
      ]
      for (index, name) in names.enumerated() {
        expectClose(
          results[1][index], results[0][index], tolerance: tolerance,
          "\(cell) \(S.self) \(name)")
      }
    }
    check(Float.self, hidden: 13, tolerance: 1e-5)
    check(Double.self, hidden: 7, tolerance: 1e-13)
  }
}
