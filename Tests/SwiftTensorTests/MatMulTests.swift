import Testing

@testable import SwiftTensor

@Suite struct MatMulTests {
  func products<T: TensorScalar>(_: T.Type) {
    let a: Tensor<T> = [[1, 2, 3], [4, 5, 6]]
    let b: Tensor<T> = [[7, 8], [9, 10], [11, 12]]
    #expect(a.matmul(b) == [[58, 64], [139, 154]])
    #expect(a.matmul(a, transposingOther: true) == [[14, 32], [32, 77]])
    #expect(a.matmul(a, transposingSelf: true) == a.transposed().matmul(a))

    let x = sample([13, 29], seed: 1, T.self)
    let y = sample([29, 21], seed: 2, T.self)
    let tolerance = T.ulpOfOne * 256
    // (A·B)ᵀ = Bᵀ·Aᵀ, with the transposes done by copy and by flag.
    expectClose(
      x.matmul(y).transposed(), y.transposed().matmul(x.transposed()), tolerance: tolerance)
    expectClose(
      x.matmul(y).transposed(), y.matmul(x, transposingSelf: true, transposingOther: true),
      tolerance: tolerance)
    // Identity.
    var eye = Tensor<T>.zeros(shape: [29, 29])
    eye.withUnsafeMutableBufferPointer { for i in 0..<29 { $0[i * 29 + i] = 1 } }
    #expect(x.matmul(eye) == x)

    // Batched: each batch element is its own product; a 2-D operand is shared.
    let batchA = sample([3, 5, 7], seed: 3, T.self)
    let batchB = sample([3, 7, 4], seed: 4, T.self)
    let batched = batchA.matmul(batchB)
    #expect(batched.shape == [3, 5, 4])
    for i in 0..<3 { #expect(batched[i] == batchA[i].matmul(batchB[i])) }
    let shared = batchA.matmul(batchB[1])
    for i in 0..<3 { #expect(shared[i] == batchA[i].matmul(batchB[1])) }
    let sharedLeft = batchA[0].matmul(batchB, transposingOther: false)
    for i in 0..<3 { #expect(sharedLeft[i] == batchA[0].matmul(batchB[i])) }
    // Empty inner dimension gives zeros; empty outer gives an empty result.
    #expect(
      Tensor<T>.zeros(shape: [2, 0]).matmul(Tensor.zeros(shape: [0, 3])) == .zeros(shape: [2, 3]))
    #expect(Tensor<T>.zeros(shape: [0, 4]).matmul(Tensor.zeros(shape: [4, 3])).shape == [0, 3])
  }

  @Test func matmulProductsAndIdentities() {
    products(Float.self)
    products(Double.self)
  }
}
