import Testing

@testable import SwiftTensor

@Suite struct ShapeTests {
  func shapeOperations<T: TensorScalar>(_: T.Type) {
    let t = Tensor<T>(shape: [2, 3, 4], scalars: (0..<24).map { T($0) })
    #expect(t.reshaped(to: [4, -1]).shape == [4, 6])
    #expect(t.reshaped(to: [24]).scalars == t.scalars)
    #expect(t.flattened().shape == [24])
    #expect(Tensor<T>.zeros(shape: [0, 3]).reshaped(to: [3, 0]).shape == [3, 0])

    // Transpose against the definition: result[i, j, k] = t[perm-mapped index].
    let p = t.transposed(permutation: [2, 0, 1])
    #expect(p.shape == [4, 2, 3])
    for i in 0..<4 {
      for j in 0..<2 {
        for k in 0..<3 { #expect(p.scalar(at: i, j, k) == t.scalar(at: j, k, i)) }
      }
    }
    let m: Tensor<T> = [[1, 2, 3], [4, 5, 6]]
    #expect(m.transposed() == [[1, 4], [2, 5], [3, 6]])
    #expect(m.transposed().transposed() == m)

    #expect(Tensor<T>.zeros(shape: [1, 3, 1]).squeezed().shape == [3])
    #expect(Tensor<T>.zeros(shape: [1, 3, 1]).squeezed(axis: -1).shape == [1, 3])
    #expect(m.unsqueezed(axis: 0).shape == [1, 2, 3])
    #expect(m.unsqueezed(axis: -1).shape == [2, 3, 1])

    let row: Tensor<T> = [10, 20, 30]
    #expect(row.broadcasted(to: [2, 3]) == [[10, 20, 30], [10, 20, 30]])
    #expect(Tensor<T>([7]).broadcasted(to: [2, 2]) == [[7, 7], [7, 7]])
  }

  @Test func reshapeTransposeSqueezeBroadcast() {
    shapeOperations(Float.self)
    shapeOperations(Double.self)
  }

  func joining<T: TensorScalar>(_: T.Type) {
    let a: Tensor<T> = [[1, 2], [3, 4]]
    let b: Tensor<T> = [[5, 6]]
    #expect(Tensor.concatenate([a, b]) == [[1, 2], [3, 4], [5, 6]])
    #expect(Tensor.concatenate([a, a], axis: 1) == [[1, 2, 1, 2], [3, 4, 3, 4]])
    #expect(Tensor.concatenate([a, Tensor<T>.zeros(shape: [2, 0])], axis: -1) == a)
    #expect(Tensor.stack([a, a]).shape == [2, 2, 2])
    #expect(Tensor.stack([a[0], a[1]], axis: 1) == [[1, 3], [2, 4]])
    let c = Tensor.concatenate([a, b, a])
    let parts = c.split(sizes: [2, 1, 2])
    #expect(parts == [a, b, a])
    #expect(a.split(count: 2, axis: 1) == [[[1], [3]], [[2], [4]]])
    // stack then split along the same axis round-trips.
    let x = sample([3, 4], seed: 1, T.self)
    let y = sample([3, 4], seed: 2, T.self)
    let s = Tensor.stack([x, y], axis: 2)
    let back = s.split(count: 2, axis: 2).map { $0.squeezed(axis: 2) }
    #expect(back == [x, y])
  }

  @Test func concatenateStackSplit() {
    joining(Float.self)
    joining(Double.self)
  }
}
