import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

@Suite struct RecurrentTests {
  func embedding<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(Gen.int(in: 1...5), Gen.int(in: 1...3), Gen.int(in: 1...4)).flatMap {
      vocabulary, dimension, count in
      zip(
        Gen.tensor(type, shape: [vocabulary, dimension]),
        Gen.int(in: 0..<vocabulary).array(count: count))
    }
    try forAll(cases) { table, ids in
      // Repeated ids must add their gradients.
      try expectGradient(
        of: EmbeddingLookup<T>(ids: ids + ids, shape: [2, ids.count]), at: [table])
    }
  }

  @Test func embeddingGradientFloat() throws { try embedding(Float.self) }
  @Test func embeddingGradientDouble() throws { try embedding(Double.self) }

  func cell<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(Gen.int(in: 1...3), Gen.int(in: 1...3)).flatMap { batch, hidden in
      zip(
        Gen.tensor(type, shape: [batch, 4 * hidden]), Gen.tensor(type, shape: [batch, hidden]),
        Gen.tensor(type, shape: [batch, hidden])
      ).flatMap { zx, h, c in
        Gen.tensor(type, shape: [hidden, 4 * hidden], in: -1...1).map { [zx, h, c, $0] }
      }
    }
    try forAll(cases) { inputs in try expectGradient(of: LSTMCell<T>(), at: inputs) }
  }

  @Test func lstmCellGradientFloat() throws { try cell(Float.self) }
  @Test func lstmCellGradientDouble() throws { try cell(Double.self) }

  @Test func lstmStepMatchesTheEquations() {
    // One step with batch 1, hidden 1: z = zx + h·Wh, gates [i, f, o, g].
    let zx: Tensor<Double> = [[0.5, -0.3, 0.8, 0.2]]
    let h: Tensor<Double> = [[0.1]]
    let c: Tensor<Double> = [[-0.4]]
    let wh: Tensor<Double> = [[0.3, -0.2, 0.1, 0.5]]
    let z = (0..<4).map { zx.scalars[$0] + 0.1 * wh.scalars[$0] }
    let sigmoid = { (x: Double) in 1 / (1 + Foundation.exp(-x)) }
    let expectedC = sigmoid(z[1]) * -0.4 + sigmoid(z[0]) * Foundation.tanh(z[3])
    let expectedH = sigmoid(z[2]) * Foundation.tanh(expectedC)
    let (outputs, _) = LSTMCell<Double>().forwardSaving(TensorList(tensors: [zx, h, c, wh]))
    #expect(Swift.abs(outputs.second.scalar - expectedC) < 1e-14)
    #expect(Swift.abs(outputs.first.scalar - expectedH) < 1e-14)
  }

  func layer<T: TensorScalar>(_ type: T.Type) throws {
    // The whole layer (two stacked layers, several steps) against central differences, through
    // its parameters and its input.
    let lstm = LSTM<T>(inputSize: 3, hiddenSize: 2, layers: 2)
    let registrar = ParameterRegistrar<T>()
    lstm.registerParameters(registrar)
    var generator = SeededGenerator(seed: 4)
    for parameter in registrar.parameters {
      parameter.variable.value = parameter.initializer.makeValue(
        shape: parameter.variable.value.shape, using: &generator)
    }
    #expect(registrar.parameters.map(\.path).first == "lstm_0/W_x")
    #expect(registrar.parameters[2].variable.value.scalars[2] == 1, "forget-gate bias starts at 1")
    let cases = zip(Gen.int(in: 1...2), Gen.int(in: 1...3)).flatMap { batch, time in
      Gen.tensor(type, shape: [batch, time, 3])
    }
    try forAll(cases, cases: 15) { x in
      try expectGradient(at: [x]) {
        lstm($0[0], context: LayerContext(isTraining: false, seed: 0))
      }
      try expectParameterGradients(registrar.parameters.map(\.variable)) {
        lstm(Variable(x, trainable: false), context: LayerContext(isTraining: false, seed: 0))
          .squared().sum()
      }
    }
  }

  @Test func lstmLayerGradientFloat() throws { try layer(Float.self) }
  @Test func lstmLayerGradientDouble() throws { try layer(Double.self) }

  @Test func stateCarriesAcrossBatchesWithoutGradient() {
    let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3)
    let x = Variable<Double>(.random(shape: [2, 4, 2], seed: 1), trainable: false)
    let whole = lstm.run(x, from: nil).outputs.value
    let first = lstm.run(Variable(x.value[0..., ..<2], trainable: false), from: nil)
    let second = lstm.run(
      Variable(x.value[0..., 2...], trainable: false), from: first.state.detached())
    #expect(second.outputs.value.isApproximatelyEqual(to: whole[0..., 2...]))
    #expect(second.state.hidden[0].tape == nil)
  }
}
