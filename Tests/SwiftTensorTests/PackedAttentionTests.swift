import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// Attention on a packed `[batch, time, 3·width]` tensor: against `ScaledDotProductAttention`
/// on the three column blocks as separate tensors (values and gradients, with masks and
/// dropout; on the C kernels' sizes in Float and on the Swift loops' in Double), and against
/// central differences (`forAll`, Float and Double).
@Suite struct PackedAttentionTests {
  /// The columns `block·width ..< (block + 1)·width` of `x` (`[batch, time, 3·width]`).
  static func block<T: TensorScalar>(_ x: Tensor<T>, _ index: Int) -> Tensor<T> {
    let (rows, width) = (x.shape[0] * x.shape[1], x.shape[2] / 3)
    let scalars = x.scalars
    return Tensor(
      shape: [x.shape[0], x.shape[1], width],
      scalars: (0..<rows).flatMap { r in
        scalars[(r * 3 + index) * width..<(r * 3 + index + 1) * width]
      })
  }

  /// Output and input gradient (as `[batch, time, 3·width]`) of packed attention and of
  /// the separate operation, for the loss `Σ y·r`.
  static func both<T: TensorScalar>(
    _ operation: ScaledDotProductAttention<T>, _ x: Tensor<T>, _ r: Tensor<T>
  ) -> (packed: [[Double]], separate: [[Double]]) {
    let tape = Tape<T>()
    let input = tape.variable(x)
    let y = PackedAttention(operation).apply(to: input)
    (y * Variable(r, trainable: false)).sum().backward()
    let separateTape = Tape<T>()
    let parts = (0..<3).map { separateTape.variable(block(x, $0)) }
    let z = operation.apply(to: parts)[0]
    (z * Variable(r, trainable: false)).sum().backward()
    // The separate gradients interleaved back into the packed layout.
    let gradients = parts.map { $0.gradient?.scalars ?? [] }
    let width = x.shape[2] / 3
    let joined = (0..<(x.shape[0] * x.shape[1])).flatMap { row in
      (0..<3).flatMap { gradients[$0][row * width..<(row + 1) * width] }
    }
    func doubles(_ t: [T]) -> [Double] { t.map { Double($0) } }
    return (
      [doubles(y.value.scalars), doubles(input.gradient?.scalars ?? [])],
      [doubles(z.value.scalars), doubles(joined)]
    )
  }

  func matchesSeparate<T: TensorScalar>(
    _: T.Type, batch: Int, time: Int, heads: Int, width: Int, tolerance: Double
  ) {
    let x = Tensor<T>.random(shape: [batch, time, 3 * width], lower: -1, upper: 1, seed: 1)
    let r = Tensor<T>.random(shape: [batch, time, width], lower: -1, upper: 1, seed: 2)
    let mask = Tensor<T>(
      shape: [batch, time], scalars: (0..<batch * time).map { $0 % 5 == 2 ? 0 : 1 })
    let settings: [ScaledDotProductAttention<T>] = [
      ScaledDotProductAttention(heads: heads, causal: true),
      ScaledDotProductAttention(heads: heads),
      ScaledDotProductAttention(heads: heads, causal: true, keyPaddingMask: mask),
      ScaledDotProductAttention(heads: heads, dropout: AttentionDropout(rate: 0.25, seed: 9)),
    ]
    for (index, operation) in settings.enumerated() {
      let (packed, separate) = Self.both(operation, x, r)
      for part in 0..<2 {
        #expect(packed[part].count == separate[part].count)
        let worst = zip(packed[part], separate[part]).map { Swift.abs($0 - $1) }.max() ?? 1
        #expect(worst <= tolerance, "\(T.self) setting \(index) part \(part): \(worst)")
      }
    }
  }

  /// The GPT's sizes, which run the C kernels in Float where the CPU has AVX2+FMA.
  @Test func matchesSeparateFloat() {
    matchesSeparate(Float.self, batch: 2, time: 20, heads: 4, width: 32, tolerance: 1e-5)
  }

  @Test func matchesSeparateDouble() {
    matchesSeparate(Double.self, batch: 2, time: 9, heads: 3, width: 6, tolerance: 1e-12)
  }

  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(
      zip(Gen.int(in: 1...2), Gen.int(in: 1...4)), zip(Gen.int(in: 1...3), Gen.int(in: 1...3))
    )
    .flatMap { sizes, head in
      let ((batch, time), (heads, headDim)) = (sizes, head)
      return zip(Gen.tensor(type, shape: [batch, time, 3 * heads * headDim]), Gen.bool).map {
        (heads, $0, $1)
      }
    }
    try forAll(cases, cases: 40) { heads, x, causal in
      try expectGradient(
        of: PackedAttention(ScaledDotProductAttention<T>(heads: heads, causal: causal)), at: [x])
    }
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  /// A tensor that is not three blocks of whole heads stops with a message naming the
  /// operation and the shape.
  @Test func badShapesStop() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = PackedAttention(ScaledDotProductAttention<Float>(heads: 2)).forwardSaving(
          .zeros(shape: [2, 3, 7]))
      },
      "PackedAttention: input of shape [2, 3, 7]; expected [batch, time, 3·width], the queries, "
        + "keys and values side by side")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = PackedAttention(ScaledDotProductAttention<Float>(heads: 2)).forwardSaving(
          .zeros(shape: [2, 3, 9]))
      }, "widths 3 and 3 must be divisible by 2 heads")
  }
}
