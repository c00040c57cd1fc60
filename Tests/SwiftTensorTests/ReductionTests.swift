import Testing

@testable import SwiftTensor

@Suite struct ReductionTests {
  /// Reference: reduce by visiting every element, in Double.
  func naive<T: TensorScalar>(
    _ x: Tensor<T>, axis: Int, _ combine: (Double, Double) -> Double, initial: Double
  ) -> (shape: [Int], values: [Double]) {
    var shape = x.shape
    shape.remove(at: axis)
    var values = Array(repeating: initial, count: shape.reduce(1, *))
    for flat in 0..<x.scalarCount {
      var index = multiIndex(flat, shape: x.shape)
      index.remove(at: axis)
      let target = index.isEmpty ? 0 : broadcastFlatIndex(index, into: shape)
      values[target] = combine(values[target], Double(x.scalars[flat]))
    }
    return (shape, values)
  }

  func alongAxes<T: TensorScalar>(_: T.Type) {
    for (seed, shape) in [[5], [3, 17], [4, 1, 9], [2, 3, 4, 5], [33, 2]].enumerated() {
      let x = sample(shape, seed: UInt64(seed), T.self)
      for axis in shape.indices {
        let sum = naive(x, axis: axis, +, initial: 0)
        let result = x.sum(axis: axis)
        #expect(result.shape == sum.shape)
        for (r, e) in zip(result.scalars, sum.values) {
          #expect(Swift.abs(Double(r) - e) < 1e-5, "\(T.self) sum axis \(axis) of \(shape)")
        }
        let maximum = naive(x, axis: axis, Swift.max, initial: -.infinity)
        #expect(x.max(axis: axis).scalars.map(Double.init) == maximum.values)
        let minimum = naive(x, axis: axis, Swift.min, initial: .infinity)
        #expect(x.min(axis: axis).scalars.map(Double.init) == minimum.values)
        // argmax picks a position holding the maximum.
        let positions = x.argmax(axis: axis)
        let moved = x.transposed(permutation: shape.indices.filter { $0 != axis } + [axis])
          .reshaped(to: [-1, shape[axis]])
        for (row, position) in positions.enumerated() {
          #expect(Double(moved.scalar(at: row, position)) == maximum.values[row])
        }
        let kept = x.sum(axis: axis, keepingDimensions: true)
        var keptShape = shape
        keptShape[axis] = 1
        #expect(kept.shape == keptShape)
        expectClose(x.mean(axis: axis), x.sum(axis: axis) / T(shape[axis]))
      }
    }
  }

  @Test func reductionsAlongEveryAxis() {
    alongAxes(Float.self)
    alongAxes(Double.self)
  }

  func overall<T: TensorScalar>(_: T.Type) {
    let x: Tensor<T> = [[1, 5, -2], [7, 0, 3]]
    #expect(x.sum() == Tensor(14))
    #expect(x.mean().scalar == T(14) / 6)
    #expect(x.max() == Tensor(7) && x.min() == Tensor(-2))
    #expect(x.argmax() == 3 && x.argmin() == 2)
    #expect(x.sum(axes: [0, 1]) == Tensor(14))
    #expect(x.sum(axes: [1, 0], keepingDimensions: true) == [[14]])
    #expect(x.mean(axes: [0]) == [4, 2.5, 0.5])
    #expect(Tensor<T>.zeros(shape: [0, 3]).sum(axis: 0) == [0, 0, 0])
    #expect(Tensor<T>.zeros(shape: [0]).mean().scalar.isNaN)
    #expect(Tensor<T>([1, .nan, 3]).max().scalar.isNaN)
    #expect(Tensor<T>([1, 4, 4]).argmax() == 1, "first position wins ties")
    #expect(Tensor<T>([1, .nan, 3]).argmax() == 1, "NaN counts as largest, as numpy")
  }

  @Test func overallReductions() {
    overall(Float.self)
    overall(Double.self)
  }

  @Test func longFloatSumStaysAccurate() {
    // 1M values of 0.1: a naive Float loop drifts by about 1%; blocked summation must not.
    let x = Tensor<Float>(repeating: 0.1, shape: [1_000_000])
    let total = Double(x.sum().scalar)
    #expect(Swift.abs(total - 100_000) / 100_000 < 1e-5, "sum = \(total)")
  }
}
