import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// `AddPositions` and `PositionalEmbedding`: gradients against central differences with any
/// offset (Float and Double), the sinusoidal table against Vaswani et al.'s formula computed
/// directly in Double, and the messages for sequences longer than the table.
@Suite struct PositionalEmbeddingTests {
  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    let size = Gen.int(in: 1...3)
    let cases = zip(zip(size, size, size), Gen.int(in: 0...2)).flatMap { sizes, offset in
      let (batch, time, width) = sizes
      return zip(
        Gen.tensor(type, shape: [batch, time, width]),
        Gen.tensor(type, shape: [time + offset + 1, width])
      ).map { (x: $0, table: $1, offset: offset) }
    }
    try forAll(cases, cases: 60) { c in
      try expectGradient(at: [c.x, c.table]) { $0[0].addingPositions($0[1], offset: c.offset) }
      try expectGradient(of: AddPositions(offset: c.offset), at: [c.x, c.table])
    }
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  @Test func theTableGradientSumsOverTheBatchInItsRows() {
    let layer = PositionalEmbedding<Double>(maxLength: 5, width: 2)
    let tape = Tape<Double>()
    let x = tape.variable(Tensor<Double>(shape: [2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8]))
    let y = layer(x, offset: 2)
    let rows = layer.table.value.scalars[4..<8]
    #expect(y.value.scalars == zip(x.value.scalars, Array(rows) + rows).map { $0 + $1 })
    (y * Variable(x.value, trainable: false)).sum().backward()
    #expect(layer.table.gradient == [[0, 0], [0, 0], [6, 8], [10, 12], [0, 0]])
  }

  @Test func sinusoidalValuesFollowTheFormula() {
    for width in [6, 7] {
      let table = PositionalEmbedding<Double>(maxLength: 9, width: width, encoding: .sinusoidal)
        .table.value
      for position in 0..<9 {
        for i in 0..<width {
          let angle = Double(position) / pow(10_000, Double(2 * (i / 2)) / Double(width))
          let want = i % 2 == 0 ? sin(angle) : cos(angle)
          #expect(Swift.abs(table.scalars[position * width + i] - want) < 1e-15)
        }
      }
    }
    let fixed = PositionalEmbedding<Float>(maxLength: 4, width: 3, encoding: .sinusoidal)
    let registrar = ParameterRegistrar<Float>()
    fixed.registerParameters(registrar)
    #expect(registrar.parameters.isEmpty && !fixed.table.isTrainable)
  }

  @Test func theLearnedTableIsALookupTableDrawnAsGPT2() {
    let graph = Graph<Double>("gpt", seed: 1) { PositionalEmbedding(maxLength: 64, width: 32) }
    #expect(graph.parameters.map(\.path) == ["positional_0/table"])
    #expect(graph.parameters[0].isLookupTable)
    let values = graph.parameters[0].variable.value.scalars
    let deviation = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
    #expect(Swift.abs(deviation - 0.02) < 0.002)
  }

  @Test func aSequenceLongerThanTheTableIsRefused() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let graph = Graph<Float>("gpt") { PositionalEmbedding(maxLength: 4, width: 2) }
        _ = graph.predict(Tensor<Float>.zeros(shape: [1, 5, 2]))
      },
      "positional_0: PositionalEmbedding: positions 0..<5 exceed the maximum length 4")
  }
}
