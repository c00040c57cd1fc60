import Testing

@testable import SwiftTensor

/// Layer and group normalisation and pooling against numpy in float64
/// (`Fixtures/numpy_reference.py` wrote `NumpyReferenceFixtures.swift`), in Float and Double.
@Suite struct NumpyReferenceTests {
  func tensor<T: TensorScalar>(
    _ fixture: (shape: [Int], scalars: [Double]), _: T.Type
  ) -> Tensor<T> {
    Tensor(shape: fixture.shape, scalars: fixture.scalars.map { T($0) })
  }

  func expectClose<T: TensorScalar>(
    _ actual: Tensor<T>, _ expected: (shape: [Int], scalars: [Double]), _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    let tolerance = T.self == Double.self ? 1e-12 : 2e-5
    let worst =
      zip(actual.scalars, expected.scalars).map { pair in
        Swift.abs(Double(pair.0) - pair.1) / Swift.max(1, Swift.abs(pair.1))
      }.max() ?? 0
    #expect(
      worst <= tolerance, "\(what) in \(T.self): worst error \(worst)",
      sourceLocation: sourceLocation)
  }

  func check<T: TensorScalar>(_ type: T.Type) {
    let reference = NumpyReference.self
    expectClose(
      tensor(reference.layerNormInput, type).layerNormalized(
        over: [2, 5], weight: tensor(reference.layerNormWeight, type),
        bias: tensor(reference.layerNormBias, type)),
      reference.layerNormOutput, "layer norm")
    expectClose(
      tensor(reference.layerNormPlainInput, type).layerNormalized(over: [6]),
      reference.layerNormPlainOutput, "layer norm without affine")
    expectClose(
      tensor(reference.groupNormInput, type).groupNormalized(
        groups: 3, weight: tensor(reference.groupNormWeight, type),
        bias: tensor(reference.groupNormBias, type)),
      reference.groupNormOutput, "group norm")
    let pool = tensor(reference.poolInput, type)
    expectClose(
      pool.maxPool2D(kernelSize: 3, stride: 2, padding: 1), reference.maxPoolOutput, "max pool")
    expectClose(
      pool.avgPool2D(kernelSize: 3, stride: 2, padding: 1), reference.avgPoolOutput,
      "average pool")
    expectClose(
      pool.avgPool2D(kernelSize: 3, stride: 2, padding: 1, countIncludingPadding: false),
      reference.avgPoolExcludingPaddingOutput, "average pool excluding padding")
    expectClose(pool.globalAvgPool2D(), reference.globalAvgPoolOutput, "global average pool")
  }

  @Test func matchesNumpyFloat() { check(Float.self) }
  @Test func matchesNumpyDouble() { check(Double.self) }
}
