import Foundation
import Testing

@testable import SwiftTensor

@Suite struct ArithmeticTests {
  /// Broadcasting must equal the explicit computation on the tiled operands.
  func broadcasting<T: TensorScalar>(_: T.Type) {
    let pairs: [([Int], [Int])] = [
      ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 4], [3, 1]), ([1, 4], [3, 1]), ([2, 3, 5], [5]),
      ([2, 1, 5], [3, 1]), ([], [2, 3]), ([7, 1, 9], [7, 6, 1]), ([4, 0], [1]), ([17], [17]),
      ([2, 3, 4, 5], [3, 1, 5]), ([1], []),
    ]
    for (seed, (sa, sb)) in pairs.enumerated() {
      let a = sample(sa, seed: UInt64(seed), T.self)
      let b = sample(sb, seed: UInt64(seed + 100), T.self) + 3  // keep divisors away from 0
      let shape = Tensor<T>.broadcastShape(sa, sb, operation: "test")
      let count = shape.reduce(1, *)
      let operations: [(String, (Tensor<T>, Tensor<T>) -> Tensor<T>, (T, T) -> T)] = [
        ("+", { $0 + $1 }, { $0 + $1 }), ("-", { $0 - $1 }, { $0 - $1 }),
        ("*", { $0 * $1 }, { $0 * $1 }), ("/", { $0 / $1 }, { $0 / $1 }),
        ("max", { Tensor.maximum($0, $1) }, { Swift.max($0, $1) }),
        (".<", { $0 .< $1 }, { $0 < $1 ? 1 : 0 }), (".>=", { $0 .>= $1 }, { $0 >= $1 ? 1 : 0 }),
      ]
      for (name, op, scalarOp) in operations {
        let expected = (0..<count).map { flat -> T in
          let index = multiIndex(flat, shape: shape)
          return scalarOp(
            a.scalars[broadcastFlatIndex(index, into: sa)],
            b.scalars[broadcastFlatIndex(index, into: sb)])
        }
        let result = op(a, b)
        #expect(result.shape == shape, "\(name) \(sa) \(sb)")
        #expect(result.scalars == expected, "\(T.self) \(name) \(sa) \(sb)")
        // And with the operands swapped, which exercises broadcasting on the left.
        let swapped = op(b, a)
        let expectedSwapped = (0..<count).map { flat -> T in
          let index = multiIndex(flat, shape: shape)
          return scalarOp(
            b.scalars[broadcastFlatIndex(index, into: sb)],
            a.scalars[broadcastFlatIndex(index, into: sa)])
        }
        #expect(swapped.scalars == expectedSwapped, "\(T.self) \(name) \(sb) \(sa)")
      }
    }
  }

  @Test func broadcastingEqualsTiledComputation() {
    broadcasting(Float.self)
    broadcasting(Double.self)
  }

  func scalarOperations<T: TensorScalar>(_: T.Type) {
    let x: Tensor<T> = [[1, -2, 3], [0, 5, -0.5]]
    #expect(x + 1 == [[2, -1, 4], [1, 6, 0.5]])
    #expect(1 - x == [[0, 3, -2], [1, -4, 1.5]])
    #expect(x - 1 == [[0, -3, 2], [-1, 4, -1.5]])
    #expect(x * 2 == [[2, -4, 6], [0, 10, -1]])
    #expect(3 * x == x * 3)
    #expect(x / 2 == [[0.5, -1, 1.5], [0, 2.5, -0.25]])
    #expect((1 / x).scalars[3] == .infinity)
    #expect(-x == [[-1, 2, -3], [-0.0, -5, 0.5]])
    #expect(x.relu() == [[1, 0, 3], [0, 5, 0]])
    #expect(x.abs() == [[1, 2, 3], [0, 5, 0.5]])
    #expect(x.squared() == x * x)
    #expect(x.pow(3) == [[1, -8, 27], [0, 125, -0.125]])
    #expect(Tensor<T>([4, 9]).pow(Tensor<T>([0.5, 2])) == [2, 81])
    #expect((x .== 0) == [[0, 0, 0], [1, 0, 0]])
    #expect((x .> 0) == [[1, 0, 1], [0, 1, 0]])
    var y = x
    y += 1
    y *= Tensor<T>([1, 2, 3])
    #expect(y == [[2, -2, 12], [1, 12, 1.5]])
    #expect(x == [[1, -2, 3], [0, 5, -0.5]], "value semantics: x is unchanged")
  }

  @Test func scalarOperationsAndMasks() {
    scalarOperations(Float.self)
    scalarOperations(Double.self)
  }

  func unaryFunctions<T: TensorScalar>(_: T.Type, tolerance: Double) {
    // Odd lengths exercise the vector tail.
    let x = Tensor<T>.random(shape: [4, 37], lower: -6, upper: 6, seed: 3)
    let positive = x.abs() + T(0.01)
    let checks: [(String, Tensor<T>, Tensor<T>, (Double) -> Double)] = [
      ("exp", x, x.exp(), Foundation.exp), ("log", positive, positive.log(), Foundation.log),
      ("sqrt", positive, positive.sqrt(), Foundation.sqrt),
      ("tanh", x, x.tanh(), Foundation.tanh),
      ("sigmoid", x, x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }),
    ]
    for (name, input, output, reference) in checks {
      for (value, result) in zip(input.scalars, output.scalars) {
        let expected = reference(Double(value))
        let error = Swift.abs(Double(result) - expected) / Swift.max(Swift.abs(expected), 1e-30)
        #expect(error < tolerance, "\(T.self) \(name)(\(value)) = \(result), expected \(expected)")
      }
    }
    #expect(Tensor<T>([-1, 0]).log().scalars[1] == -.infinity)
    #expect(Tensor<T>([-1, 0]).log().scalars[0].isNaN)
    #expect(Tensor<T>([.nan]).relu().scalars[0].isNaN)
  }

  @Test func unaryFunctionsMatchFoundation() {
    unaryFunctions(Float.self, tolerance: 1e-6)
    unaryFunctions(Double.self, tolerance: 1e-14)
  }

  @Test func nanPropagatesThroughMaximum() {
    let a = Tensor<Float>([1, .nan, 3])
    let b = Tensor<Float>([.nan, 2, 1])
    let m = Tensor.maximum(a, b).scalars
    #expect(m[0].isNaN && m[1].isNaN && m[2] == 3)
  }
}
