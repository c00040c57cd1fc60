import Testing

@testable import SwiftTensor

/// The selection operations' values against references computed another way: plain loops over
/// multi-indices in `Double`, with no kernel and no broadcasting helper of the library.
@Suite struct SelectionForwardTests {
  let shapes: [[Int]] = [[5], [3, 4], [2, 3, 4], [4, 1, 3], [2, 0, 3]]

  /// Rounds `x` to `T` and back, so that references see exactly the scalars the tensor holds.
  func doubles<T: TensorScalar>(_ x: Tensor<T>) -> [Double] { x.scalars.map { Double($0) } }

  func extrema<T: TensorScalar>(_: T.Type) {
    for (seed, shape) in shapes.enumerated() {
      let x = sample(shape, seed: UInt64(seed), T.self)
      let values = doubles(x)
      for axis in shape.indices where shape[axis] > 0 {
        var kept = shape
        kept[axis] = 1
        var largest = [Double](repeating: -.infinity, count: kept.reduce(1, *))
        var smallest = [Double](repeating: .infinity, count: largest.count)
        for (flat, value) in values.enumerated() {
          var index = multiIndex(flat, shape: shape)
          index[axis] = 0
          let out = broadcastFlatIndex(index, into: kept)
          largest[out] = Swift.max(largest[out], value)
          smallest[out] = Swift.min(smallest[out], value)
        }
        let tape = Tape<T>()
        let v = tape.variable(x)
        let maximum = v.max(axis: axis, keepingDimensions: true)
        #expect(maximum.value.shape == kept)
        #expect(doubles(maximum.value) == largest, "max, shape \(shape), axis \(axis)")
        let minimum = v.min(axis: axis)
        #expect(doubles(minimum.value) == smallest, "min, shape \(shape), axis \(axis)")
        #expect(
          minimum.value.shape == shape.enumerated().filter { $0.offset != axis }.map(\.element))
      }
    }
  }

  @Test func extremaFloat() { extrema(Float.self) }
  @Test func extremaDouble() { extrema(Double.self) }

  /// Ties send the gradient to the first position only (PyTorch's `max(dim)`), and a NaN is the
  /// maximum and the minimum of its line, taking the gradient.
  @Test func tiesGoToTheFirstAndNaNPropagates() {
    func check<T: TensorScalar>(_: T.Type) {
      let tape = Tape<T>()
      let x = tape.variable(
        Tensor<T>(shape: [3, 4], scalars: [1, 3, 3, 0, 2, 2, 2, 2, 1, .nan, 5, .nan]))
      let maximum = x.max(axis: 1)
      let minimum = x.min(axis: 1)
      #expect(maximum.value.scalars[..<2] == [3, 2])
      #expect(maximum.value.scalars[2].isNaN && minimum.value.scalars[2].isNaN)
      #expect(minimum.value.scalars[..<2] == [0, 2])
      (maximum * 2 + minimum).sum().backward()
      #expect(x.gradient?.scalars == [0, 2, 0, 1, 3, 0, 0, 0, 0, 3, 0, 0])
      #expect(x.argmax(axis: 1) == [1, 0, 1] && x.argmin(axis: 1) == [3, 0, 1])
    }
    check(Float.self)
    check(Double.self)
  }

  @Test func whereAndMaskedFill() {
    let a = sample([2, 1, 3], seed: 1, Double.self)
    let b = sample([4, 1], seed: 2, Double.self)
    let mask = sample([4, 3], seed: 3, Double.self) .> 0
    let result = Tensor.where(mask, a, b)
    #expect(result.shape == [2, 4, 3])
    var expected: [Double] = []
    for flat in 0..<24 {
      let index = multiIndex(flat, shape: [2, 4, 3])
      let chosen = mask.scalars[broadcastFlatIndex(index, into: [4, 3])] == 1
      expected.append(
        chosen
          ? a.scalars[broadcastFlatIndex(index, into: [2, 1, 3])]
          : b.scalars[broadcastFlatIndex(index, into: [4, 1])])
    }
    #expect(result.scalars == expected)
    // The operand not chosen never enters arithmetic: its infinities and NaNs stay out.
    let x = Tensor<Float>([1, .infinity, .nan, -2])
    let chosen: Tensor<Float> = [1, 0, 0, 1]
    #expect(Tensor.where(chosen, x, Tensor(0)) == [1, 0, 0, -2])
    let filled = x.maskedFill(Tensor<Float>([0, 1, 1, 0]), 9)
    #expect(filled == [1, 9, 9, -2])
    // A mask broadcast along the leading axis, as an attention mask over rows.
    let rows = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(rows.maskedFill([0, 1, 0], -1).scalars == [1, -1, 3, 4, -1, 6])
    let tape = Tape<Float>()
    let v = tape.variable(rows)
    (v.maskedFill([0, 1, 0], -1) * 3).sum().backward()
    #expect(v.gradient?.scalars == [3, 0, 3, 3, 0, 3])
  }

  @Test func gatherScatterAndTheirAdjointness() {
    let x = sample([3, 4, 2], seed: 4, Double.self)
    let indexShape = [2, 5, 2]
    let indices = (0..<20).map { ($0 * 7 + 3) % 4 }
    let gathered = x.gather(axis: 1, indices: indices, indexShape: indexShape)
    var expected: [Double] = []
    var scattered = [Double](repeating: 0, count: 24)
    let source = sample(indexShape, seed: 5, Double.self)
    for flat in 0..<20 {
      let index = multiIndex(flat, shape: indexShape)
      let target = (index[0] * 4 + indices[flat]) * 2 + index[2]
      expected.append(x.scalars[target])
      scattered[target] += source.scalars[flat]
    }
    #expect(gathered.shape == indexShape && gathered.scalars == expected)
    let added = Tensor<Double>.zeros(shape: [3, 4, 2]).scatterAdding(
      source, axis: 1, indices: indices)
    expectClose(added, Tensor(shape: [3, 4, 2], scalars: scattered))
    // ⟨gather(x), s⟩ = ⟨x, scatterAdd(0, s)⟩: each is the other's adjoint.
    let lhs = (gathered * source).sum().scalar
    let rhs = (x * added).sum().scalar
    #expect(Swift.abs(lhs - rhs) <= 1e-12 * Swift.max(1, Swift.abs(lhs)))
    // Negative axes count from the end.
    #expect(x.gather(axis: -2, indices: indices, indexShape: indexShape) == gathered)
  }

  @Test func cumulativeSums() {
    for (seed, shape) in shapes.enumerated() {
      let x = sample(shape, seed: UInt64(seed) + 10, Double.self)
      for axis in shape.indices {
        var expected = [Double](repeating: 0, count: x.scalarCount)
        var reversed = expected
        for flat in 0..<x.scalarCount {
          let index = multiIndex(flat, shape: shape)
          for k in 0..<shape[axis] {
            var other = index
            other[axis] = k
            let value = x.scalars[broadcastFlatIndex(other, into: shape)]
            if k <= index[axis] { expected[flat] += value }
            if k >= index[axis] { reversed[flat] += value }
          }
        }
        let label = "shape \(shape), axis \(axis)"
        expectClose(x.cumulativeSum(axis: axis), Tensor(shape: shape, scalars: expected), label)
        expectClose(
          x.cumulativeSum(axis: axis, reversed: true), Tensor(shape: shape, scalars: reversed),
          label)
      }
    }
  }
}
