import Foundation
import Testing

@testable import SwiftTensor

@Suite struct SoftmaxTests {
  func softmax<T: TensorScalar>(_: T.Type) {
    let x = sample([4, 3, 19], seed: 5, T.self) * 10
    for axis in 0..<3 {
      let s = x.softmax(axis: axis)
      expectClose(s.sum(axis: axis), Tensor.ones(shape: s.sum(axis: axis).shape))
      #expect(s.scalars.allSatisfy { $0 > 0 && $0 <= 1 })
      // Reference in Double straight from the definition.
      let e = x.exp()
      expectClose(s, e / e.sum(axis: axis, keepingDimensions: true), tolerance: T.ulpOfOne * 16)
      expectClose(x.logSoftmax(axis: axis), s.log(), tolerance: T.ulpOfOne * 64)
    }
    // Large logits would overflow exp without the max shift.
    let big: Tensor<T> = [[1000, 1001, 1002], [-1000, -1000, -1000]]
    let p = big.softmax()
    #expect(p.scalars.allSatisfy { $0.isFinite })
    let e2 = Foundation.exp(-2.0)
    let e1 = Foundation.exp(-1.0)
    let z = e2 + e1 + 1
    expectClose(p[0], Tensor([T(e2 / z), T(e1 / z), T(1 / z)]))
    expectClose(p[1], Tensor(repeating: T(1) / 3, shape: [3]))
    // Log-softmax stays finite where softmax underflows to 0.
    let far: Tensor<T> = [0, -10_000]
    #expect(far.softmax().scalars[1] == 0)
    #expect(far.logSoftmax().scalars[1] == -10_000)
    #expect(Tensor<T>([1, .nan]).softmax().scalars.allSatisfy { $0.isNaN })
  }

  @Test func softmaxAndLogSoftmax() {
    softmax(Float.self)
    softmax(Double.self)
  }
}
