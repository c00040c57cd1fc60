import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The recurrent operations on generated shapes and values (`forAll`), in Float and Double:
/// batch and time down to 1, hidden sizes inside and past one `Double` SIMD vector (hidden 9,
/// past a `Float` vector, is in `RecurrentTests`).
@Suite struct RecurrentPropertyTests {
  /// `(batch, time, features, hidden)`.
  static var sizes: Gen<(Int, Int, Int, Int)> {
    zip(
      zip(Gen.int(in: 1...3), Gen.int(in: 1...3)), zip(Gen.int(in: 1...2), Gen.int(in: 1...5))
    ).map { ($0.0, $0.1, $1.0, $1.1) }
  }

  /// The inputs `[x, h (, c), W_x, W_h, b]` of a cell (`time == nil`) or sequence operation.
  func inputs<T: TensorScalar>(
    _ type: T.Type, _ cell: RecurrentCellKind, sequence: Bool
  )
    -> Gen<[Tensor<T>]>
  {
    Self.sizes.flatMap { batch, time, features, hidden in
      let width = cell.gateCount * hidden
      let x = Gen.tensor(type, shape: sequence ? [batch, time, features] : [batch, features])
      let states = Gen.tensor(type, shape: [batch, hidden]).array(count: cell == .lstm ? 2 : 1)
      let weights = zip(
        Gen.tensor(type, shape: [features, width], in: -0.8...0.8),
        Gen.tensor(type, shape: [hidden, width], in: -0.8...0.8),
        Gen.tensor(type, shape: [width], in: -0.5...0.5))
      return zip(x, states, weights).map { x, states, w in [x] + states + [w.0, w.1, w.2] }
    }
  }

  func cells<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(inputs(type, .lstm, sequence: false)) {
      try expectGradient(of: LSTMCell<T>(), at: $0)
    }
    try forAll(inputs(type, .gru, sequence: false)) { try expectGradient(of: GRUCell<T>(), at: $0) }
    try forAll(inputs(type, .rnn, sequence: false)) { try expectGradient(of: RNNCell<T>(), at: $0) }
  }

  @Test func cellsFloat() throws { try cells(Float.self) }
  @Test func cellsDouble() throws { try cells(Double.self) }

  func sequences<T: TensorScalar>(_ type: T.Type) throws {
    for cell in [RecurrentCellKind.lstm, .gru, .rnn] {
      try forAll(inputs(type, cell, sequence: true)) {
        try expectGradient(of: RecurrentSequence<T>(cell), at: $0)
      }
    }
  }

  @Test func sequencesFloat() throws { try sequences(Float.self) }
  @Test func sequencesDouble() throws { try sequences(Double.self) }

  func embedding<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(Gen.int(in: 1...5), Gen.int(in: 1...4), Gen.int(in: 1...6)).flatMap {
      vocabulary, dimension, count in
      zip(
        Gen.tensor(type, shape: [vocabulary, dimension]),
        Gen.int(in: 0..<vocabulary).array(count: count))
    }
    try forAll(cases) { table, ids in
      // Every id twice: rows used more than once must add their gradients.
      try expectGradient(
        of: EmbeddingLookup<T>(ids: ids + ids, shape: [2, ids.count]), at: [table])
    }
  }

  @Test func embeddingFloat() throws { try embedding(Float.self) }
  @Test func embeddingDouble() throws { try embedding(Double.self) }
}
