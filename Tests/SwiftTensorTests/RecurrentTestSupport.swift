import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Seeded values, shapes and report checks shared by the recurrent suites.
protocol RecurrentFixtures {}

extension RecurrentFixtures {
  /// Values in [-scale, scale), distinct per seed.
  func values<T: TensorScalar>(_ shape: [Int], _ seed: UInt64, scale: T = 1) -> Tensor<T> {
    Tensor<T>.random(shape: shape, lower: -scale, upper: scale, seed: seed)
  }

  /// `(batch, time, features, hidden)`: batch 1, time 1, and a hidden size past one vector.
  var shapes: [(Int, Int, Int, Int)] { [(1, 1, 1, 1), (2, 3, 2, 3), (1, 4, 3, 2), (3, 2, 2, 9)] }

  func expectPassed<T: TensorScalar>(
    _ report: GradientCheckReport<T>, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(report.passed, "\(T.self) \(what): \(report)", sourceLocation: sourceLocation)
  }

  /// The seeded inputs of a cell (`time == nil`, `x` `[batch, features]`) or sequence
  /// operation, by name; `cell` is set for LSTM only.
  func recurrentInputs<T: TensorScalar>(
    _ cell: RecurrentCellKind, batch: Int, time: Int?, features: Int, hidden: Int, seed: UInt64
  ) -> RecurrentSequenceInputs<T> {
    let width = cell.gateCount * hidden
    return RecurrentSequenceInputs(
      x: values(time.map { [batch, $0, features] } ?? [batch, features], seed),
      hidden: values([batch, hidden], seed + 10),
      cell: cell == .lstm ? values([batch, hidden], seed + 11) : nil,
      inputWeight: values([features, width], seed + 20, scale: 0.8),
      hiddenWeight: values([hidden, width], seed + 21, scale: 0.8),
      bias: values([width], seed + 22, scale: 0.5))
  }
}
