import Testing

@testable import SwiftTensor

/// Both loops of batch normalisation (channels swept in vectors, and samples swept across
/// positions when a channel holds fewer scalars per sample than a vector), with and without a
/// vector's tail, against a plain Double reference of the forward and backward formulas.
@Suite struct BatchNormKernelTests {
  /// Forward output and `(dx, dγ, dβ)` of a training-mode batch norm, written out in `Double`.
  func reference(
    _ x: [Double], shape: [Int], weight: [Double], dy: [Double], epsilon: Double = 1e-5
  ) -> (y: [Double], dx: [Double], dWeight: [Double], dBias: [Double]) {
    let (batch, channels) = (shape[0], shape[1])
    let inner = shape.dropFirst(2).reduce(1, *)
    let count = Double(batch * inner)
    var (y, dx) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: x.count))
    var (dWeight, dBias) = ([Double](), [Double]())
    for c in 0..<channels {
      let indices = (0..<batch).flatMap { n in
        (0..<inner).map { n * channels * inner + c * inner + $0 }
      }
      let mean = indices.map { x[$0] }.reduce(0, +) / count
      let variance = indices.map { (x[$0] - mean) * (x[$0] - mean) }.reduce(0, +) / count
      let rstd = 1 / (variance + epsilon).squareRoot()
      let normalized = indices.map { (x[$0] - mean) * rstd }
      let meanGradient = indices.map { dy[$0] }.reduce(0, +) / count
      let meanProjection = zip(indices, normalized).map { dy[$0] * $1 }.reduce(0, +) / count
      dWeight.append(meanProjection * count)
      dBias.append(meanGradient * count)
      for (index, hat) in zip(indices, normalized) {
        y[index] = hat * weight[c]
        dx[index] = rstd * weight[c] * (dy[index] - meanGradient - hat * meanProjection)
      }
    }
    return (y, dx, dWeight, dBias)
  }

  func check<T: TensorScalar>(_: T.Type, shape: [Int]) {
    let x = sample(shape, seed: 3, T.self) + T(1.5)
    let dy = sample(shape, seed: 4, T.self)
    let weight = Tensor<T>.random(shape: [shape[1]], lower: 0.5, upper: 2, seed: 5)
    let expected = reference(
      x.scalars.map(Double.init), shape: shape, weight: weight.scalars.map(Double.init),
      dy: dy.scalars.map(Double.init))
    let operation = BatchNormalization<T>(mode: .training)
    let inputs = NormalizationInputs(
      input: x, weight: weight, bias: Tensor.zeros(shape: [shape[1]]))
    let (y, saved) = operation.forwardSaving(inputs)
    let gradients = operation.backward(inputs: inputs, outputs: y, saved: saved, gradients: dy)
    let tolerance = T(T.self == Double.self ? 1e-12 : 1e-4)
    let what = "shape \(shape)"
    expectClose(
      y, Tensor(shape: shape, scalars: expected.y.map { T($0) }), tolerance: tolerance, what)
    expectClose(
      gradients.input, Tensor(shape: shape, scalars: expected.dx.map { T($0) }),
      tolerance: tolerance, what)
    expectClose(
      gradients.weight ?? .zeros(shape: [0]), Tensor(expected.dWeight.map { T($0) }),
      tolerance: tolerance, what)
    expectClose(
      gradients.bias ?? .zeros(shape: [0]), Tensor(expected.dBias.map { T($0) }),
      tolerance: tolerance, what)
  }

  static let shapes: [[Int]] = [
    [6, 5], [3, 11, 3], [2, 3, 4], [2, 3, 8], [3, 2, 17], [2, 3, 4, 5], [2, 2, 9, 9],
    // Large enough for the channels to be shared between threads (odd channel count).
    [4, 5, 60, 61],
  ]

  @Test(arguments: shapes) func float(shape: [Int]) { check(Float.self, shape: shape) }
  @Test(arguments: shapes) func double(shape: [Int]) { check(Double.self, shape: shape) }
}
