import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Every operation's backward against central differences, in Float and Double, at several
/// shapes including size-1 and size-0 dimensions, scalars, and broadcasting.
@Suite struct GradientTests {
  /// Values bounded away from 0 (by at least 0.2), for kinks and poles at 0.
  func awayFromZero<T: TensorScalar>(_ shape: [Int], seed: UInt64) -> Tensor<T> {
    let u = Tensor<T>.random(shape: shape, lower: -1, upper: 1, seed: seed)
    return u + (u .>= 0) * T(0.4) - T(0.2)
  }

  func positive<T: TensorScalar>(_ shape: [Int], seed: UInt64) -> Tensor<T> {
    Tensor<T>.random(shape: shape, lower: 0.5, upper: 2, seed: seed)
  }

  func expectGradients<T: TensorScalar>(
    _ name: String, _ inputs: [Tensor<T>], sourceLocation: SourceLocation = #_sourceLocation,
    _ function: @escaping ([Variable<T>]) -> Variable<T>
  ) {
    let report = checkGradients(of: function, at: inputs)
    #expect(
      report.passed, "\(T.self) \(name) at shapes \(inputs.map(\.shape)): \(report)",
      sourceLocation: sourceLocation)
  }

  func unaryAndReductions<T: TensorScalar>(_: T.Type) {
    for (seed, shape) in [[], [1], [5], [3, 4], [2, 1, 3], [0, 3]].enumerated() {
      let s = UInt64(seed)
      let x: Tensor<T> = sample(shape, seed: s)
      expectGradients("negate", [x]) { -$0[0] }
      expectGradients("exp", [x]) { $0[0].exp() }
      expectGradients("log", [positive(shape, seed: s) as Tensor<T>]) { $0[0].log() }
      expectGradients("sqrt", [positive(shape, seed: s) as Tensor<T>]) { $0[0].sqrt() }
      expectGradients("pow 3", [x]) { $0[0].pow(3) }
      expectGradients("pow -1.5", [positive(shape, seed: s) as Tensor<T>]) { $0[0].pow(-1.5) }
      expectGradients("relu", [awayFromZero(shape, seed: s) as Tensor<T>]) { $0[0].relu() }
      expectGradients("sigmoid", [x]) { $0[0].sigmoid() }
      expectGradients("tanh", [x]) { $0[0].tanh() }
      expectGradients("scale and shift", [x]) { 2 - $0[0] * 3 + 1 }
      expectGradients("sum", [x]) { $0[0].sum() }
      expectGradients("mean", [x]) { $0[0].mean() }
      for axis in shape.indices {
        expectGradients("sum axis \(axis)", [x]) { $0[0].sum(axis: axis) }
        expectGradients("mean axis \(axis) keeping", [x]) {
          $0[0].mean(axis: axis, keepingDimensions: true)
        }
        expectGradients("softmax axis \(axis)", [x]) { $0[0].softmax(axis: axis) }
        expectGradients("logSoftmax axis \(axis)", [x]) { $0[0].logSoftmax(axis: axis) }
      }
      expectGradients("reshape", [x]) { $0[0].reshaped(to: [-1]) }
      expectGradients("transpose", [x]) { $0[0].transposed() }
    }
  }

  @Test func unaryOperationsAndReductions() {
    unaryAndReductions(Float.self)
    unaryAndReductions(Double.self)
  }

  func binary<T: TensorScalar>(_: T.Type) {
    let pairs: [([Int], [Int])] = [
      ([], []), ([3], [3]), ([2, 3], [3]), ([2, 3], [2, 1]), ([1, 3], [4, 1]), ([], [2, 2]),
      ([2, 1, 3], [4, 1]), ([0, 3], [3]),
    ]
    for (seed, (sa, sb)) in pairs.enumerated() {
      let a: Tensor<T> = sample(sa, seed: UInt64(seed))
      let b: Tensor<T> = sample(sb, seed: UInt64(seed + 50))
      let nonzero: Tensor<T> = awayFromZero(sb, seed: UInt64(seed + 90))
      expectGradients("add", [a, b]) { $0[0] + $0[1] }
      expectGradients("subtract", [a, b]) { $0[0] - $0[1] }
      expectGradients("multiply", [a, b]) { $0[0] * $0[1] }
      expectGradients("divide", [a, nonzero]) { $0[0] / $0[1] }
      expectGradients("add three", [a, b, b]) { Variable.sum($0) }
      expectGradients("reused input", [a]) { $0[0] * $0[0] + $0[0] }
    }
  }

  @Test func binaryOperationsWithBroadcasting() {
    binary(Float.self)
    binary(Double.self)
  }

  func linear<T: TensorScalar>(_: T.Type) {
    for (seed, (m, k, n)) in [(1, 1, 1), (3, 4, 2), (5, 1, 3), (2, 7, 6)].enumerated() {
      let s = UInt64(seed)
      let a: Tensor<T> = sample([m, k], seed: s)
      let b: Tensor<T> = sample([k, n], seed: s + 10)
      expectGradients("matmul", [a, b]) { $0[0].matmul($0[1]) }
      expectGradients("matmul Aᵀ", [a.transposed(), b]) {
        $0[0].matmul($0[1], transposingSelf: true)
      }
      expectGradients("matmul Bᵀ", [a, b.transposed()]) {
        $0[0].matmul($0[1], transposingOther: true)
      }
      expectGradients("matmul AᵀBᵀ", [a.transposed(), b.transposed()]) {
        $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
      }
      let batchA: Tensor<T> = sample([3, m, k], seed: s + 20)
      let batchB: Tensor<T> = sample([3, k, n], seed: s + 30)
      expectGradients("batched matmul", [batchA, batchB]) { $0[0].matmul($0[1]) }
      expectGradients("shared right operand", [batchA, b]) { $0[0].matmul($0[1]) }
      expectGradients("shared left operand, batch 1", [a.unsqueezed(axis: 0), batchB]) {
        $0[0].matmul($0[1])
      }
      let bias: Tensor<T> = sample([n], seed: s + 40)
      expectGradients("affine", [a, b, bias]) { $0[0].affine($0[1], $0[2]) }
      expectGradients("affine without bias", [a, b]) { $0[0].affine($0[1]) }
    }
  }

  @Test func matmulAndAffine() {
    linear(Float.self)
    linear(Double.self)
  }

  func shapes<T: TensorScalar>(_: T.Type) {
    let x: Tensor<T> = sample([2, 3, 4], seed: 1)
    let y: Tensor<T> = sample([2, 2, 4], seed: 2)
    expectGradients("transpose permutation", [x]) { $0[0].transposed(permutation: [1, 2, 0]) }
    expectGradients("concatenate", [x, y]) { Variable.concatenate($0, axis: 1) }
    expectGradients("stack", [x, x]) { Variable.stack($0, axis: -1) }
    expectGradients("split", [x]) { v in
      let parts = v[0].split(sizes: [1, 0, 2], axis: 1)
      return parts[0] * 2 + parts[2].sum(axis: 1, keepingDimensions: true)
    }
    expectGradients("split, one piece unused", [x]) { $0[0].split(sizes: [2, 1], axis: 1)[1] }
    expectGradients("index", [x]) { $0[0][1, 1..., 2] }
    expectGradients("index ranges", [x]) { $0[0][0..., ..<2, (-3)...] }
    expectGradients("index scalar", [x]) { $0[0][0, 2, 3] }
  }

  @Test func shapeOperations() {
    shapes(Float.self)
    shapes(Double.self)
  }

  func losses<T: TensorScalar>(_: T.Type) {
    let logits: Tensor<T> = sample([4, 5], seed: 3)
    let labels = [0, 4, 2, 2]
    for reduction in [LossReduction.mean, .sum, .none] {
      expectGradients("softmax cross-entropy \(reduction)", [logits]) {
        $0[0].softmaxCrossEntropy(labels: labels, reduction: reduction)
      }
      let target: Tensor<T> = sample([4, 5], seed: 4)
      expectGradients("square loss \(reduction)", [logits, target]) {
        $0[0].squareLoss(target: $0[1], reduction: reduction)
      }
    }
    // A two-layer network, end to end.
    let x: Tensor<T> = sample([6, 4], seed: 5)
    let w1: Tensor<T> = sample([4, 5], seed: 6)
    let b1: Tensor<T> = sample([5], seed: 7)
    let w2: Tensor<T> = sample([5, 3], seed: 8)
    expectGradients("two-layer network", [x, w1, b1, w2]) { v in
      v[0].affine(v[1], v[2]).sigmoid().matmul(v[3]).softmaxCrossEntropy(
        labels: [0, 1, 2, 2, 1, 0])
    }
  }

  @Test func lossesAndANetwork() {
    losses(Float.self)
    losses(Double.self)
  }

  @Test func handWorkedCrossEntropy() {
    // logits [0, ln 3]: p = [1/4, 3/4]; label 1: loss = -ln(3/4); dlogits = p - onehot.
    let tape = Tape<Double>()
    let logits = tape.variable(Tensor(shape: [1, 2], scalars: [0, Double.log(3)]))
    let loss = logits.softmaxCrossEntropy(labels: [1])
    #expect(Swift.abs(loss.value.scalar - (-Double.log(0.75))) < 1e-12)
    loss.backward()
    expectClose(logits.gradient!, [[0.25, -0.25]], tolerance: 1e-12)
  }
}

extension Double {
  fileprivate static func log(_ x: Double) -> Double { Tensor([x]).log().scalars[0] }
}
