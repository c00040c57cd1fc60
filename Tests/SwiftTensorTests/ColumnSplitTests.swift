import Testing

@testable import SwiftTensor

/// Column sums of passes large enough to be split between the cores by columns (bias
/// gradients, sums over the first axis) equal a scalar loop adding row after row, bit for bit;
/// the bias rows an affine product starts from, split by rows, are all written.
@Suite struct ColumnSplitTests {
  /// Above the split threshold, with a column count whose last share is ragged (not a multiple
  /// of 64, nor of the vector width).
  let rows = 300
  let columns = 1_003

  /// Column `column`'s sum, row after row, from `start`.
  func columnSum<S: TensorScalar>(_ x: [S], column: Int, from start: S = 0) -> S {
    var sum = start
    for row in 0..<rows { sum += x[row * columns + column] }
    return sum
  }

  /// The first column where `a` and `b` differ, with both values; nil when they are equal.
  func firstDifference<S: TensorScalar>(_ a: [S], _ b: [S]) -> String? {
    guard a.count == b.count else { return "counts \(a.count) and \(b.count)" }
    return a.indices.first { a[$0] != b[$0] }.map { "column \($0): \(a[$0]) != \(b[$0])" }
  }

  func check<S: TensorScalar>(_: S.Type) {
    #expect(rows * columns >= ElementwiseKernels.parallelCount)
    let x = Tensor<S>.random(shape: [rows, columns], lower: -1, upper: 1, seed: 7)
    let scalars = x.scalars
    let expected = (0..<columns).map { columnSum(scalars, column: $0) }
    #expect(firstDifference(x.sum(axis: 0).scalars, expected) == nil, "\(S.self) sum(axis: 0)")
    let maxima = (0..<columns).map { column in
      (1..<rows).reduce(scalars[column]) { Swift.max($0, scalars[$1 * columns + column]) }
    }
    #expect(firstDifference(x.max(axis: 0).scalars, maxima) == nil, "\(S.self) max(axis: 0)")
    // The bias gradient of `AffineTransform`, written and then accumulated.
    var bias = [S](repeating: 0, count: columns)
    func addSums(accumulate: Bool) {
      bias.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        addColumnSums(of: x, into: base, accumulate: accumulate)
      }
    }
    addSums(accumulate: false)
    #expect(firstDifference(bias, expected) == nil, "\(S.self) addColumnSums")
    addSums(accumulate: true)
    let accumulated = (0..<columns).map { columnSum(scalars, column: $0, from: expected[$0]) }
    #expect(firstDifference(bias, accumulated) == nil, "\(S.self) addColumnSums, accumulating")
  }

  @Test func biasRowsFillEveryRow() {
    let bias = Tensor<Float>.random(shape: [columns], lower: -1, upper: 1, seed: 8)
    var y = [Float](repeating: .nan, count: rows * columns)
    y.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      fillRows(base, rows: rows, columns: columns, with: bias.baseAddress)
    }
    let expected = Array((0..<rows).map { _ in bias.scalars }.joined())
    #expect(firstDifference(y, expected) == nil)
  }

  @Test func columnSumsMatchARowByRowLoopFloat() { check(Float.self) }
  @Test func columnSumsMatchARowByRowLoopDouble() { check(Double.self) }
}
