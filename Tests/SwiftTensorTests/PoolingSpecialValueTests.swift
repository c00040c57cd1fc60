import Testing

@testable import SwiftTensor

/// Max pooling's ties, NaNs and infinities, on the general loop and on the 2x2 fast path: the
/// maximum of each window, its gradient routed to the first maximum in row-major order, and a
/// NaN propagated (the first NaN of its window taking the gradient).
@Suite struct PoolingSpecialValueTests {
  /// The pooled value of a single window holding `values`, and where its gradient goes.
  func pool(_ values: [Float], kernel: Int) -> (value: Float, gradient: [Float]) {
    let tape = Tape<Float>()
    let x = tape.variable(Tensor(shape: [1, 1, kernel, kernel], scalars: values))
    let y = x.maxPool2D(kernelSize: kernel)
    y.sum().backward()
    return (y.value.scalars[0], x.gradient?.scalars ?? [])
  }

  func oneHot(_ index: Int, _ count: Int) -> [Float] {
    (0..<count).map { $0 == index ? 1 : 0 }
  }

  @Test(arguments: [2, 3])
  func tiesGoToTheFirstMaximum(kernel: Int) {
    let count = kernel * kernel
    var values = [Float](repeating: -1, count: count)
    values[1] = 5
    values[count - 1] = 5
    let (value, gradient) = pool(values, kernel: kernel)
    #expect(value == 5)
    #expect(gradient == oneHot(1, count))
    // Equal everywhere: the first scalar.
    #expect(pool([Float](repeating: 2, count: count), kernel: kernel).gradient == oneHot(0, count))
  }

  @Test(arguments: [2, 3])
  func aNaNPropagatesFromItsFirstPosition(kernel: Int) {
    let count = kernel * kernel
    for first in 0..<count {
      var values = (0..<count).map { Float($0) }
      values[first] = .nan
      if first + 1 < count { values[first + 1] = .nan }
      let (value, gradient) = pool(values, kernel: kernel)
      #expect(value.isNaN, "NaN at \(first)")
      #expect(gradient == oneHot(first, count), "NaN at \(first)")
    }
  }

  @Test(arguments: [2, 3])
  func infinitiesOfBothSignsAreNumbers(kernel: Int) {
    let count = kernel * kernel
    var values = [Float](repeating: 0, count: count)
    values[0] = -.infinity
    values[count - 1] = .infinity
    let (value, gradient) = pool(values, kernel: kernel)
    #expect(value == .infinity)
    #expect(gradient == oneHot(count - 1, count))
    values[count - 1] = -1
    #expect(pool(values, kernel: kernel).value == 0)
  }

  @Test func theFastPathAgreesWithTheGeneralLoop() {
    // The 2x2 path against the windows' maxima taken here.
    let x = Tensor<Float>.random(shape: [3, 4, 6, 8], lower: -2, upper: 2, seed: 7)
    let fast = x.maxPool2D(kernelSize: 2)
    var general = [Float]()
    let scalars = x.scalars
    for plane in 0..<12 {
      for i in 0..<3 {
        for j in 0..<4 {
          let base = plane * 48 + 2 * i * 8 + 2 * j
          general.append(
            Swift.max(
              Swift.max(scalars[base], scalars[base + 1]),
              Swift.max(scalars[base + 8], scalars[base + 9])))
        }
      }
    }
    #expect(fast.scalars == general)
  }
}
