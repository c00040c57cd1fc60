import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The pooling operations' backward passes against central differences, in Float and Double,
/// each on 100 generated inputs (`forAll`): NCW for 1-D, NCHW for 2-D.
@Suite struct PoolingGradientTests {
  /// A pooling case: an input of `spatialAxes` spatial axes (batch and channels 1 or 2, each
  /// spatial size at least the kernel less twice the padding, at most 5), a kernel size of 1 to
  /// 3, a stride of 1 to 3 and a padding of at most half the kernel. With `distinct`, the values
  /// are a permutation of a grid 0.25 apart, so that no finite-difference step changes a
  /// window's maximum.
  func cases<T: TensorScalar>(
    _ type: T.Type, spatialAxes: Int, distinct: Bool
  ) -> Gen<(Tensor<T>, kernel: Int, stride: Int, padding: Int)> {
    zip(Gen.int(in: 1...3), Gen.int(in: 1...3)).flatMap { kernel, stride in
      zip(Gen.int(in: 0...kernel / 2), Gen.int(in: 1...2), Gen.int(in: 1...2))
        .flatMap { padding, batch, channels in
          let lower = Swift.max(1, kernel - 2 * padding)
          return Gen.int(in: lower...5).array(count: spatialAxes).flatMap { sizes in
            let shape = [batch, channels] + sizes
            let count = shape.reduce(1, *)
            let values =
              distinct
              ? Gen.permutation(of: count).map { order in
                Tensor<T>(shape: shape, scalars: order.map { T($0) * 0.25 - T(count) / 8 })
              }
              : Gen.tensor(type, shape: shape)
            return values.map { ($0, kernel: kernel, stride: stride, padding: padding) }
          }
        }
    }
  }

  func maxPooling<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(cases(type, spatialAxes: 1, distinct: true)) { x, kernel, stride, padding in
      try expectGradient(at: [x]) {
        $0[0].maxPool1D(kernelSize: kernel, stride: stride, padding: padding)
      }
    }
    try forAll(cases(type, spatialAxes: 2, distinct: true)) { x, kernel, stride, padding in
      try expectGradient(at: [x]) {
        $0[0].maxPool2D(kernelSize: kernel, stride: stride, padding: padding)
      }
      // A rectangular window, through `apply(to:)` on a list of variables.
      let kernels = [kernel, Swift.min(x.shape[3], 2)]
      try expectGradient(
        of: MaxPooling<T>(kernelSize: kernels, stride: [stride, 1], padding: [padding, 0]),
        at: [x])
    }
  }

  @Test func maxPoolingFloat() throws { try maxPooling(Float.self) }
  @Test func maxPoolingDouble() throws { try maxPooling(Double.self) }

  func averagePooling<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(cases(type, spatialAxes: 1, distinct: false), Gen.bool) { input, counting in
      let (x, kernel, stride, padding) = input
      try expectGradient(at: [x]) {
        $0[0].avgPool1D(
          kernelSize: kernel, stride: stride, padding: padding, countIncludingPadding: counting)
      }
    }
    try forAll(cases(type, spatialAxes: 2, distinct: false), Gen.bool) { input, counting in
      let (x, kernel, stride, padding) = input
      try expectGradient(at: [x]) {
        $0[0].avgPool2D(
          kernelSize: kernel, stride: stride, padding: padding, countIncludingPadding: counting)
      }
      // Composed with another operation, so the incoming gradient is not all ones.
      try expectGradient(at: [x]) {
        let y = $0[0].avgPool2D(kernelSize: kernel, stride: stride, padding: padding)
        return (y * y).sum()
      }
    }
  }

  @Test func averagePoolingFloat() throws { try averagePooling(Float.self) }
  @Test func averagePoolingDouble() throws { try averagePooling(Double.self) }

  func globalAveragePooling<T: TensorScalar>(_ type: T.Type) throws {
    let inputs = Gen.shape(rank: 4...4, dimension: 1...4).flatMap { Gen.tensor(type, shape: $0) }
    try forAll(inputs) { x in
      try expectGradient(at: [x]) { $0[0].globalAvgPool2D() }
      try expectGradient(at: [x]) { ($0[0].globalAvgPool2D() * $0[0].globalAvgPool2D()).sum() }
    }
  }

  @Test func globalAveragePoolingFloat() throws { try globalAveragePooling(Float.self) }
  @Test func globalAveragePoolingDouble() throws { try globalAveragePooling(Double.self) }
}
