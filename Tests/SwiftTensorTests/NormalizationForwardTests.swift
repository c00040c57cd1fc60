import Testing

@testable import SwiftTensor

/// The normalisations' values against plain loops in `Double` written here (one pass for the
/// mean, one for the biased variance, then the formula element by element), and their
/// messages on bad input.
@Suite struct NormalizationForwardTests {
  /// PyTorch's `GroupNorm` by definition: `x` is `[batch, channels, inner]` flattened;
  /// `groups == channels` with `inner == length` and one channel per row gives a layer norm.
  static func reference(
    _ x: [Double], batch: Int, channels: Int, inner: Int, groups: Int, weight: [Double]?,
    bias: [Double]?, epsilon: Double
  ) -> [Double] {
    var y = x
    let perGroup = channels / groups
    let length = perGroup * inner
    for n in 0..<batch {
      for g in 0..<groups {
        let start = (n * channels + g * perGroup) * inner
        let row = x[start..<(start + length)]
        let mean = row.reduce(0, +) / Double(length)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(length)
        for k in 0..<length {
          let c = g * perGroup + k / inner
          let normalized = (row[start + k] - mean) / (variance + epsilon).squareRoot()
          y[start + k] = normalized * (weight?[c] ?? 1) + (bias?[c] ?? 0)
        }
      }
    }
    return y
  }

  /// `((7k) mod modulus)·step + rise·(k / every)`: scattered values with a trend (each
  /// operand typed, as the literals' overloads make the one-line form too slow to type-check).
  static func pattern(
    count: Int, modulus: Int, step: Double, rise: Double, every: Int
  )
    -> [Double]
  {
    (0..<count).map { (k: Int) -> Double in
      let scattered: Double = Double((k * 7) % modulus) * step
      let trend: Double = rise * Double(k / every)
      return scattered + trend
    }
  }

  func expectClose<T: TensorScalar>(
    _ got: Tensor<T>, _ expected: [Double], tolerance: Double,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(got.scalarCount == expected.count, sourceLocation: sourceLocation)
    let worst = zip(got.scalars, expected).map { Swift.abs(Double($0) - $1) }.max() ?? 0
    #expect(worst <= tolerance, "\(T.self): worst error \(worst)", sourceLocation: sourceLocation)
  }

  func layerNorm<T: TensorScalar>(_: T.Type, tolerance: Double) {
    // Rows far from 0 against their spread: a one-pass `E[x²] - E[x]²` would lose them.
    let shape = [3, 2, 5]
    let values = Self.pattern(count: 30, modulus: 11, step: 0.3, rise: 100, every: 10)
    let x = Tensor<T>(shape: shape, scalars: values.map { T($0) })
    let weight = Tensor<T>(shape: [2, 5], scalars: (0..<10).map { T(0.5 + Double($0) * 0.1) })
    let bias = Tensor<T>(shape: [2, 5], scalars: (0..<10).map { T(Double($0) * 0.2 - 1) })
    let xs = x.scalars.map { Double($0) }
    for epsilon in [1e-5, 0.5] {
      let expected = Self.reference(
        xs, batch: 3, channels: 10, inner: 1, groups: 1, weight: weight.scalars.map { Double($0) },
        bias: bias.scalars.map { Double($0) }, epsilon: epsilon)
      let got = x.layerNormalized(over: [2, 5], weight: weight, bias: bias, epsilon: epsilon)
      #expect(got.shape == shape)
      expectClose(got, expected, tolerance: tolerance)
      let plain = Self.reference(
        xs, batch: 3, channels: 10, inner: 1, groups: 1, weight: nil, bias: nil, epsilon: epsilon)
      expectClose(x.layerNormalized(over: [2, 5], epsilon: epsilon), plain, tolerance: tolerance)
      // The variable spelling computes the same.
      let variable = Tape<T>().variable(x).layerNormalized(over: [2, 5], epsilon: epsilon)
      expectClose(variable.value, plain, tolerance: tolerance)
    }
    // A row [1, 2, 3, 4]: mean 2.5, variance 1.25.
    let row = Tensor<T>([1, 2, 3, 4]).layerNormalized(over: [4])
    expectClose(
      row, [-1.5, -0.5, 0.5, 1.5].map { $0 / (1.25 + 1e-5).squareRoot() }, tolerance: tolerance)
  }

  @Test func layerNormMatchesTheDefinition() {
    layerNorm(Float.self, tolerance: 1e-4)
    layerNorm(Double.self, tolerance: 1e-12)
  }

  func groupNorm<T: TensorScalar>(_: T.Type, tolerance: Double) {
    let shape = [2, 6, 2, 3]
    let values = Self.pattern(count: 72, modulus: 13, step: 0.25, rise: -1, every: 1)
    let x = Tensor<T>(shape: shape, scalars: values.map { T($0) })
    let weight = Tensor<T>((0..<6).map { T(1 + Double($0) * 0.5) })
    let bias = Tensor<T>((0..<6).map { T(Double($0) - 2) })
    let xs = x.scalars.map { Double($0) }
    for groups in [1, 2, 3, 6] {
      let expected = Self.reference(
        xs, batch: 2, channels: 6, inner: 6, groups: groups,
        weight: weight.scalars.map { Double($0) }, bias: bias.scalars.map { Double($0) },
        epsilon: 1e-5)
      let got = x.groupNormalized(groups: groups, weight: weight, bias: bias)
      #expect(got.shape == shape)
      expectClose(got, expected, tolerance: tolerance)
      let plain = Self.reference(
        xs, batch: 2, channels: 6, inner: 6, groups: groups, weight: nil, bias: nil,
        epsilon: 1e-5)
      expectClose(x.groupNormalized(groups: groups), plain, tolerance: tolerance)
    }
    // A `[batch, channels]` input (no spatial axes) with one group per channel: every
    // channel is its own row of one scalar, which normalises to 0, leaving the bias.
    let single = Tensor<T>(shape: [2, 6], scalars: (0..<12).map { T($0) })
      .groupNormalized(groups: 6, weight: weight, bias: bias)
    expectClose(single, (0..<12).map { Double($0 % 6) - 2 }, tolerance: tolerance)
  }

  @Test func groupNormMatchesTheDefinition() {
    groupNorm(Float.self, tolerance: 1e-5)
    groupNorm(Double.self, tolerance: 1e-12)
  }

  /// An empty batch gives an empty output and no statistics to divide by zero.
  @Test func emptyBatches() {
    #expect(Tensor<Float>.zeros(shape: [0, 4]).layerNormalized(over: [4]).shape == [0, 4])
    #expect(Tensor<Double>.zeros(shape: [0, 4, 3]).groupNormalized(groups: 2).shape == [0, 4, 3])
  }

  @Test func layerNormRejectsShapes() async {
    let trailing = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).layerNormalized(over: [4])
    }
    expectStderr(
      trailing,
      "LayerNormalization: input of shape [2, 3] does not end with the normalized shape [4]")
    let weight = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).layerNormalized(over: [3], weight: .ones(shape: [2]))
    }
    expectStderr(
      weight, "LayerNormalization: weight of shape [2] differs from the normalized shape [3]")
    let empty = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = LayerNorm<Double>([])
    }
    expectStderr(
      empty,
      "LayerNormalization: normalized shape [] must have at least one dimension, each at least 1")
    let layer = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("net") { LayerNorm([5]) }
      _ = model.predict(.zeros(shape: [2, 4]))
    }
    expectStderr(
      layer, "LayerNorm: input of shape [2, 4] does not end with the normalized shape [5]")
  }

  @Test func groupNormRejectsShapes() async {
    let divide = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 6, 3]).groupNormalized(groups: 4)
    }
    expectStderr(
      divide,
      "GroupNormalization: 4 groups do not divide the 6 channels of the input of shape [2, 6, 3]")
    let rank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tape<Double>().variable(.zeros(shape: [6])).groupNormalized(groups: 2)
    }
    expectStderr(
      rank, "GroupNormalization: input of shape [6] has rank 1; expected [batch, channels, ...]")
    let layer = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GroupNorm<Float>(groups: 4, channels: 6)
    }
    expectStderr(layer, "GroupNorm: 4 groups do not divide 6 channels")
    let channels = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("net") { GroupNorm(groups: 2, channels: 4) }
      _ = model.predict(.zeros(shape: [2, 6, 3]))
    }
    expectStderr(
      channels,
      "GroupNorm: input of shape [2, 6, 3] does not fit a layer of 4 channels; expected "
        + "[batch, 4, ...]")
    let bias = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      _ = tape.variable(.zeros(shape: [2, 4])).groupNormalized(
        groups: 2, bias: tape.variable(.zeros(shape: [4])))
    }
    expectStderr(bias, "GroupNormalization: a bias needs a weight ([x, γ, β])")
  }
}
