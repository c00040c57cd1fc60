import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The selection operations' backward passes against central differences, in Float and Double,
/// each on 100 generated inputs (`forAll`).
@Suite struct SelectionGradientTests {
  /// A tensor of rank 1 to 3 with no empty axis, holding distinct values at least 0.25 apart
  /// (a permutation of a grid), so that no finite-difference step changes which value is the
  /// largest or the smallest; and one of its axes.
  func distinctTensorAndAxis<T: TensorScalar>(_: T.Type) -> Gen<(Tensor<T>, Int)> {
    Gen.shape(rank: 1...3, dimension: 1...4).flatMap { shape in
      let count = shape.reduce(1, *)
      let values = Gen.permutation(of: count).map { order in
        Tensor<T>(shape: shape, scalars: order.map { T($0) * 0.25 - T(count) / 8 })
      }
      return zip(values, Gen.int(in: 0..<shape.count))
    }
  }

  func extrema<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(distinctTensorAndAxis(type), Gen.bool) { input, keeping in
      let (x, axis) = input
      try expectGradient(at: [x]) { $0[0].max(axis: axis, keepingDimensions: keeping) }
      try expectGradient(at: [x]) { $0[0].min(axis: axis, keepingDimensions: keeping) }
      // The negative spelling of the axis, through `apply(to:)` on a list of variables.
      try expectGradient(of: MaxAlongAxis<T>(axis: axis - x.rank), at: [x])
    }
  }

  @Test func extremaFloat() throws { try extrema(Float.self) }
  @Test func extremaDouble() throws { try extrema(Double.self) }

  func masks<T: TensorScalar>(_ type: T.Type) throws {
    // Two broadcasting operands and a mask of either one's shape or of the result's.
    let cases = Gen.broadcastableShapes(rank: 0...3, dimension: 0...4).flatMap { a, b in
      let result = Tensor<T>.broadcastShape(a, b, operation: "test")
      return zip(
        zip(Gen.tensor(type, shape: a), Gen.tensor(type, shape: b)),
        Gen.element(of: [a, b, result]).flatMap { Gen.tensor(type, shape: $0, in: 0...1) })
    }
    try forAll(cases) { operands, uniform in
      let mask = uniform .>= T(0.5)
      try expectGradient(at: [operands.0, operands.1]) { Variable.where(mask, $0[0], $0[1]) }
    }
    let fills = Gen.broadcastableShapes(rank: 0...3, dimension: 0...4).flatMap { a, b in
      zip(
        Gen.tensor(type, shape: Tensor<T>.broadcastShape(a, b, operation: "test")),
        Gen.tensor(type, shape: b, in: 0...1))
    }
    try forAll(fills) { x, uniform in
      let mask = uniform .>= T(0.5)
      try expectGradient(at: [x]) { $0[0].maskedFill(mask, 7) }
    }
  }

  @Test func masksFloat() throws { try masks(Float.self) }
  @Test func masksDouble() throws { try masks(Double.self) }

  /// An input of rank 1 to 3 with a non-empty axis, that axis, and indices along it in an index
  /// shape of the input's rank (other dimensions at most the input's, the axis's any size).
  func gatherCases<T: TensorScalar>(_ type: T.Type) -> Gen<(Tensor<T>, Int, [Int], [Int])> {
    Gen.shape(rank: 1...3, dimension: 0...4).flatMap { shape in
      zip(Gen.int(in: 0..<shape.count), Gen.int(in: 0...4).array(count: shape.count))
        .flatMap { axis, sizes in
          var shape = shape
          shape[axis] = Swift.max(shape[axis], 1)
          let indexShape = sizes.indices.map {
            $0 == axis ? sizes[$0] : Swift.min(sizes[$0], shape[$0])
          }
          let indices = Gen.int(in: 0..<shape[axis]).array(count: indexShape.reduce(1, *))
          return zip(Gen.tensor(type, shape: shape), indices).map { ($0, axis, $1, indexShape) }
        }
    }
  }

  func gatherAndScatter<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(gatherCases(type)) { x, axis, indices, indexShape in
      try expectGradient(at: [x]) {
        $0[0].gather(axis: axis, indices: indices, indexShape: indexShape)
      }
      let source = Tensor<T>.random(shape: indexShape, lower: -2, upper: 2, seed: 3)
      try expectGradient(at: [x, source]) {
        $0[0].scatterAdding($0[1], axis: axis, indices: indices)
      }
    }
  }

  @Test func gatherAndScatterFloat() throws { try gatherAndScatter(Float.self) }
  @Test func gatherAndScatterDouble() throws { try gatherAndScatter(Double.self) }

  func cumulativeSums<T: TensorScalar>(_ type: T.Type) throws {
    let cases = Gen.shape(rank: 1...3, dimension: 0...4).flatMap { shape in
      zip(Gen.tensor(type, shape: shape), Gen.int(in: 0..<shape.count))
    }
    try forAll(cases) { x, axis in
      try expectGradient(at: [x]) { $0[0].cumulativeSum(axis: axis) }
      // Composed with another operation, so the incoming gradient is not all ones.
      try expectGradient(at: [x]) { ($0[0].cumulativeSum(axis: axis) * $0[0]).sum() }
    }
  }

  @Test func cumulativeSumFloat() throws { try cumulativeSums(Float.self) }
  @Test func cumulativeSumDouble() throws { try cumulativeSums(Double.self) }
}
