import Testing

@testable import SwiftTensor

// The dispatchers of `TensorScalar+Kernels.swift` send `Float` and `Double` to their concrete
// entry points and every other scalar type to `GenericKernels`. No other scalar type exists
// here, so these tests call `GenericKernels` with `Float` and `Double` and require the same
// results as the dispatchers: the fallback path runs the same kernels.
@Suite struct KernelDispatchTests {
  /// `count` values in [-2, 2) from a fixed sequence.
  func values<S: TensorScalar>(_: S.Type, _ count: Int, seed: Int) -> [S] {
    (0..<count).map { S((($0 * 37 + seed * 11) % 101)) / 25 - 2 }
  }

  func checkElementwise<S: TensorScalar>(_: S.Type) {
    let a = values(S.self, 37, seed: 1)
    let b = values(S.self, 37, seed: 2)
    var viaDispatch = [S](repeating: 0, count: 37)
    var viaGeneric = viaDispatch
    for operation in [UnaryKernel<S>.exp, .tanh, .sigmoid, .relu, .multiplyScalar(3)] {
      S._unaryKernel(operation, a, &viaDispatch, count: 37)
      GenericKernels.unary(operation, a, &viaGeneric, count: 37)
      #expect(viaDispatch == viaGeneric, "\(S.self) \(operation)")
    }
    for operation in [BinaryKernel.add, .multiply, .maximum, .tanhBackward] {
      S._binaryKernel(operation, a, lhsStrides: [], b, rhsStrides: [], &viaDispatch, shape: [37])
      GenericKernels.binary(
        operation, a, lhsStrides: [], b, rhsStrides: [], &viaGeneric, shape: [37])
      #expect(viaDispatch == viaGeneric, "\(S.self) \(operation)")
    }
  }

  func checkReductions<S: TensorScalar>(_: S.Type) {
    let a = values(S.self, 4 * 9, seed: 3)
    var viaDispatch = [S](repeating: 0, count: 9)
    var viaGeneric = viaDispatch
    for operation in [ReduceKernel.sum, .max, .sumOfSquares] {
      S._reduceKernel(operation, a, outer: 1, length: 4, inner: 9, &viaDispatch)
      GenericKernels.reduce(operation, a, outer: 1, length: 4, inner: 9, &viaGeneric)
      #expect(viaDispatch == viaGeneric, "\(S.self) \(operation)")
    }
    var indices = [Int](repeating: 0, count: 4)
    var genericIndices = indices
    S._argReduceKernel(largest: true, a, outer: 4, length: 9, inner: 1, &indices)
    GenericKernels.argReduce(largest: true, a, outer: 4, length: 9, inner: 1, &genericIndices)
    #expect(indices == genericIndices)
    var softmax = [S](repeating: 0, count: 36)
    var genericSoftmax = softmax
    S._softmaxKernel(log: true, a, outer: 4, length: 9, inner: 1, &softmax)
    GenericKernels.softmax(log: true, a, outer: 4, length: 9, inner: 1, &genericSoftmax)
    #expect(softmax == genericSoftmax)
  }

  func checkProductsAndCopies<S: TensorScalar>(_: S.Type) {
    let (m, n, k) = (7, 19, 13)
    let a = values(S.self, m * k, seed: 4)
    let b = values(S.self, k * n, seed: 5)
    var c = [S](repeating: 0, count: m * n)
    var genericC = c
    S._gemm(
      transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a, lda: k, b, ldb: n,
      beta: 0, &c, ldc: n)
    GenericKernels.gemm(
      transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a, lda: k, b, ldb: n,
      beta: 0, &genericC, ldc: n)
    #expect(c == genericC)
    var transposed = [S](repeating: 0, count: m * k)
    var genericTransposed = transposed
    S._gatherKernel(a, strides: [1, k], &transposed, shape: [k, m])
    GenericKernels.gather(a, strides: [1, k], &genericTransposed, shape: [k, m])
    #expect(transposed == genericTransposed)
    var table = [S](repeating: 1, count: 3 * k)
    var genericTable = table
    let ids = [2, 0, 2, 1, 2, 0, 1]
    S._scatterAddRowsKernel(a, ids: ids, count: m, width: k, &table)
    GenericKernels.scatterAddRows(a, ids: ids, count: m, width: k, &genericTable)
    #expect(table == genericTable)
  }

  @Test func genericElementwiseMatchesDispatch() {
    checkElementwise(Float.self)
    checkElementwise(Double.self)
  }

  @Test func genericReductionsMatchDispatch() {
    checkReductions(Float.self)
    checkReductions(Double.self)
  }

  @Test func genericProductsAndCopiesMatchDispatch() {
    checkProductsAndCopies(Float.self)
    checkProductsAndCopies(Double.self)
  }
}
