import Testing

@testable import SwiftTensor

/// Layer norms in Float (the C loops where this CPU has AVX2+FMA, else the portable ones) against
/// the same layer norms in Double (always the Swift loops), on row lengths that are below,
/// at and around multiples of the 8-lane vectors, rows far from 0 against their spread, with and
/// without the affine parameters, and with the input's gradient added to one already there.
@Suite struct LayerNormKernelTests {
  static let lengths = [1, 5, 8, 13, 64, 133]

  /// Output, input gradient, weight gradient and bias gradient of `x.layerNormalized` with the
  /// loss `Σ (x + norm(x))·r`, whose input gradient is `r` plus the norm's own, added by the
  /// norm's backward to the `r` already there.
  static func run<T: TensorScalar>(
    _: T.Type, x: Tensor<Double>, r: Tensor<Double>, weight: Tensor<Double>?,
    bias: Tensor<Double>?, residual: Bool
  ) -> [[Double]] {
    func converted(_ t: Tensor<Double>) -> Tensor<T> {
      Tensor(shape: t.shape, scalars: t.scalars.map { T($0) })
    }
    let tape = Tape<T>()
    let input = tape.variable(converted(x))
    let w = weight.map { tape.variable(converted($0)) }
    let b = bias.map { tape.variable(converted($0)) }
    let length = x.shape[x.rank - 1]
    let y = input.layerNormalized(over: [length], weight: w, bias: b)
    let projection = Variable(converted(r), trainable: false)
    ((residual ? input + y : y) * projection).sum().backward()
    return [y.value, input.gradient, w?.gradient, b?.gradient].map { tensor in
      tensor?.scalars.map { Double($0) } ?? []
    }
  }

  @Test func floatMatchesDouble() {
    for (index, length) in Self.lengths.enumerated() {
      let rows = 37
      // Values about 50 with a spread of about 1: Float keeps about 5 significant digits of
      // each deviation, which is what the tolerance below allows.
      let x = Tensor<Double>.random(shape: [rows, length], lower: -1, upper: 1, seed: 10) + 50
      let r = Tensor<Double>.random(shape: [rows, length], lower: -1, upper: 1, seed: 11)
      let weight = Tensor<Double>.random(shape: [length], lower: 0.5, upper: 1.5, seed: 12)
      let bias = Tensor<Double>.random(shape: [length], lower: -1, upper: 1, seed: 13)
      for (weight, bias) in [(weight, bias), (weight, nil), (nil, nil)] as [(Tensor?, Tensor?)] {
        let residual = index % 2 == 0 || weight == nil
        let single = Self.run(
          Float.self, x: x, r: r, weight: weight, bias: bias, residual: residual)
        let double = Self.run(
          Double.self, x: x, r: r, weight: weight, bias: bias, residual: residual)
        for (part, (got, expected)) in zip(single, double).enumerated() {
          #expect(got.count == expected.count)
          // Parameter gradients sum over the rows: scale the tolerance with them.
          let scale = part >= 2 ? Double(rows) : 1
          let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? 0
          let label = "length \(length), part \(part), weight \(weight != nil), bias \(bias != nil)"
          #expect(worst <= 3e-4 * scale, "\(label): worst error \(worst)")
        }
      }
    }
  }

  /// The input's gradient is added to what its buffer holds exactly when something else gave
  /// it a gradient first: with and without the residual, the norm's share is the same.
  @Test func theResidualAddsItsGradientOnce() {
    let x = Tensor<Double>.random(shape: [9, 24], lower: -2, upper: 2, seed: 20)
    let r = Tensor<Double>.random(shape: [9, 24], lower: -1, upper: 1, seed: 21)
    let weight = Tensor<Double>.random(shape: [24], lower: 0.5, upper: 1.5, seed: 22)
    let alone = Self.run(Float.self, x: x, r: r, weight: weight, bias: nil, residual: false)
    let added = Self.run(Float.self, x: x, r: r, weight: weight, bias: nil, residual: true)
    let difference = zip(added[1], alone[1]).map { $0 - $1 }
    let worst = zip(difference, r.scalars).map { Swift.abs($0 - $1) }.max() ?? 1
    #expect(worst < 1e-5, "the residual's share differs from r by \(worst)")
  }
}
