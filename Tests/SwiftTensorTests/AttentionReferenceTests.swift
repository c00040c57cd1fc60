import Testing

@testable import SwiftTensor

/// The fused attention against the same computation composed of existing operations (head
/// split by reshape and transpose, batched matmul, masked fill, softmax): outputs and all three
/// gradients, in Double to 1e-12 and in Float, with and without masks, and with fewer queries
/// than keys.
@Suite struct AttentionReferenceTests {
  /// One configuration: sizes and masks.
  struct Case {
    var batch = 2, heads = 2, timeQ = 5, timeK = 5, headDim = 3, valueDim = 4
    var causal = false
    var padded = false
  }

  /// `[batch, timeK]`: key `j` of batch `b` masked when `(b + j) % 3 == 2`, never the last key
  /// (which every causal row sees), so no row is fully masked.
  static func paddingMask<T: TensorScalar>(_ c: Case, _: T.Type) -> Tensor<T> {
    attentionTensor([c.batch, c.timeK]) {
      (($0[0] + $0[1]) % 3 == 2 && $0[1] != c.timeK - 1) ? 0 : 1
    }
  }

  /// The composition: `[batch, time, heads·dim]` split to `[batch·heads, time, dim]`, then
  /// `softmax(mask(scale·Q·Kᵀ))·V` and merged back.
  static func composed<T: TensorScalar>(
    _ q: Variable<T>, _ k: Variable<T>, _ v: Variable<T>, _ c: Case, mask: Tensor<T>?
  ) -> Variable<T> {
    func split(_ x: Variable<T>, _ time: Int, _ dim: Int) -> Variable<T> {
      x.reshaped(to: [c.batch, time, c.heads, dim]).transposed(permutation: [0, 2, 1, 3])
        .reshaped(to: [c.batch * c.heads, time, dim])
    }
    let scale = T(1 / Double(c.headDim).squareRoot())
    var scores =
      split(q, c.timeQ, c.headDim).matmul(split(k, c.timeK, c.headDim), transposingOther: true)
      * scale
    let fill: Tensor<T> = attentionTensor([c.batch * c.heads, c.timeQ, c.timeK]) { index in
      let (pair, i, j) = (index[0], index[1], index[2])
      let causalMasked = c.causal && j > i + c.timeK - c.timeQ
      let padMasked = mask.map { $0.scalars[pair / c.heads * c.timeK + j] == 0 } ?? false
      return causalMasked || padMasked ? 1 : 0
    }
    scores = scores.maskedFill(fill, -.infinity)
    return scores.softmax(axis: -1).matmul(split(v, c.timeK, c.valueDim))
      .reshaped(to: [c.batch, c.heads, c.timeQ, c.valueDim]).transposed(permutation: [0, 2, 1, 3])
      .reshaped(to: [c.batch, c.timeQ, c.heads * c.valueDim])
  }

  /// The output and the gradients of `Σ output∘R` (R random) by one function of variables.
  static func run<T: TensorScalar>(
    _ c: Case, _: T.Type, seed: UInt64,
    _ function: (Variable<T>, Variable<T>, Variable<T>) -> Variable<T>
  ) -> [Tensor<T>] {
    let tape = Tape<T>()
    let q = tape.variable(sample([c.batch, c.timeQ, c.heads * c.headDim], seed: seed))
    let k = tape.variable(sample([c.batch, c.timeK, c.heads * c.headDim], seed: seed + 1))
    let v = tape.variable(sample([c.batch, c.timeK, c.heads * c.valueDim], seed: seed + 2))
    let output = function(q, k, v)
    let projection: Tensor<T> = sample(output.value.shape, seed: seed + 3)
    (output * tape.variable(projection)).sum().backward()
    return [output.value] + [q, k, v].map { $0.gradient ?? .zeros(shape: [0]) }
  }

  func compare<T: TensorScalar>(_ type: T.Type, tolerance: T) {
    let cases = [
      Case(), Case(causal: true), Case(padded: true), Case(causal: true, padded: true),
      Case(timeQ: 2, timeK: 7, causal: true), Case(timeQ: 3, timeK: 6, padded: true),
      Case(batch: 1, heads: 4, timeQ: 40, timeK: 40, headDim: 8, valueDim: 8, causal: true),
      Case(batch: 3, heads: 1, timeQ: 19, timeK: 33, headDim: 5, valueDim: 2, causal: true),
      // Widths that are multiples of 8 (Float runs the C kernels on AVX2 machines): row counts
      // off the 6-row tiles, key counts off the 8- and 16-column ones, masks, and queries
      // before every key.
      Case(
        batch: 2, heads: 2, timeQ: 13, timeK: 21, headDim: 8, valueDim: 16, causal: true,
        padded: true),
      Case(batch: 1, heads: 3, timeQ: 17, timeK: 17, headDim: 16, valueDim: 8, padded: true),
      Case(batch: 2, heads: 1, timeQ: 9, timeK: 12, headDim: 8, valueDim: 8, causal: true),
      Case(batch: 1, heads: 2, timeQ: 33, timeK: 40, headDim: 24, valueDim: 40),
      Case(batch: 2, heads: 2, timeQ: 64, timeK: 64, headDim: 32, valueDim: 32, causal: true),
    ]
    for (index, c) in cases.enumerated() {
      let mask = c.padded ? Self.paddingMask(c, type) : nil
      let fused = Self.run(c, type, seed: UInt64(10 * index)) { q, k, v in
        q.attention(key: k, value: v, heads: c.heads, causal: c.causal, keyPaddingMask: mask)
      }
      let reference = Self.run(c, type, seed: UInt64(10 * index)) { q, k, v in
        Self.composed(q, k, v, c, mask: mask)
      }
      for (name, (a, e)) in zip(["output", "dQ", "dK", "dV"], zip(fused, reference)) {
        expectClose(a, e, tolerance: tolerance, "\(name) of case \(index) \(c)")
      }
    }
  }

  @Test func matchesCompositionDouble() { compare(Double.self, tolerance: 1e-12) }
  @Test func matchesCompositionFloat() { compare(Float.self, tolerance: 2e-5) }

  /// The tensor spelling computes what the variable spelling records.
  @Test func tensorSpellingMatches() {
    let q = sample([2, 5, 6], seed: 1, Double.self)
    let (k, v) = (
      sample([2, 5, 6], seed: 2, Double.self), sample([2, 5, 8], seed: 3, Double.self)
    )
    let recorded = Tape<Double>().variable(q).attention(
      key: Variable(k), value: Variable(v), heads: 2, causal: true)
    #expect(q.attention(key: k, value: v, heads: 2, causal: true) == recorded.value)
  }

  /// A masked key gets exactly zero weight and exactly zero key and value gradients; a query
  /// with every key masked outputs zeros and gets a zero gradient (not NaN).
  func masks<T: TensorScalar>(_ type: T.Type, headDim: Int = 3, valueDim: Int = 4) {
    let c = Case(batch: 2, heads: 2, timeQ: 4, timeK: 4, headDim: headDim, valueDim: valueDim)
    let (keyWidth, valueWidth) = (2 * headDim, 2 * valueDim)
    // Batch 0 masks key 1; batch 1 masks every key.
    let mask: Tensor<T> = attentionTensor([2, 4]) { $0[0] == 0 && $0[1] != 1 ? 1 : 0 }
    let result = Self.run(c, type, seed: 7) { q, k, v in
      q.attention(key: k, value: v, heads: c.heads, keyPaddingMask: mask)
    }
    let (output, dQ, dK, dV) = (result[0], result[1], result[2], result[3])
    for column in 0..<keyWidth { #expect(dK.scalars[keyWidth + column] == 0) }
    for column in 0..<valueWidth { #expect(dV.scalars[valueWidth + column] == 0) }
    #expect(output.slice(axis: 0, range: 1..<2).scalars.allSatisfy { $0 == 0 })
    for g in [dQ, dK, dV] { #expect(g.slice(axis: 0, range: 1..<2).scalars.allSatisfy { $0 == 0 }) }
    #expect(!output.scalars.contains { $0.isNaN })
    // The saved probabilities put exactly 0 on the masked key.
    let inputs = AttentionInputs(
      query: sample([2, 4, keyWidth], seed: 1, T.self), key: sample([2, 4, keyWidth], seed: 2),
      value: sample([2, 4, valueWidth], seed: 3))
    let saved = ScaledDotProductAttention(heads: 2, keyPaddingMask: mask).forwardSaving(inputs)
    for h in 0..<2 {
      for i in 0..<4 { #expect(saved.saved.scalars[(h * 4 + i) * 4 + 1] == 0) }
    }
  }

  /// With more queries than keys and `causal`, the first `timeQ - timeK` queries see no key:
  /// whole blocks of them are skipped and output zeros; the others equal the attention of the
  /// last `timeK` queries alone. No key at all gives zeros.
  @Test func queriesBeforeEveryKey() {
    let q = sample([2, 40, 8], seed: 1, Double.self)
    let (k, v) = (
      sample([2, 8, 8], seed: 2, Double.self), sample([2, 8, 4], seed: 3, Double.self)
    )
    let output = q.attention(key: k, value: v, heads: 2, causal: true)
    #expect(output.slice(axis: 1, range: 0..<32).scalars.allSatisfy { $0 == 0 })
    let last = q.slice(axis: 1, range: 32..<40).attention(key: k, value: v, heads: 2, causal: true)
    expectClose(output.slice(axis: 1, range: 32..<40), last, tolerance: 1e-15)
    let none = q.attention(
      key: .zeros(shape: [2, 0, 8]), value: .zeros(shape: [2, 0, 6]), heads: 2)
    #expect(none.shape == [2, 40, 6] && none.scalars.allSatisfy { $0 == 0 })
  }

  /// The same in Float with widths the C kernels take, gradients included: the queries that
  /// see no key get zero gradients, and the keys' and values' gradients are those of the
  /// queries that see them alone.
  @Test func queriesBeforeEveryKeyFloat() {
    let upstream = sample([2, 21, 16], seed: 4, Float.self)
    func gradients(queries: Range<Int>) -> [Tensor<Float>] {
      let tape = Tape<Float>()
      let q = tape.variable(
        sample([2, 21, 16], seed: 1, Float.self).slice(axis: 1, range: queries))
      let k = tape.variable(sample([2, 8, 16], seed: 2, Float.self))
      let v = tape.variable(sample([2, 8, 16], seed: 3, Float.self))
      let output = q.attention(key: k, value: v, heads: 2, causal: true)
      (output * tape.variable(upstream.slice(axis: 1, range: queries))).sum().backward()
      return [output.value] + [q, k, v].map { $0.gradient ?? .zeros(shape: [0]) }
    }
    let all = gradients(queries: 0..<21)
    let seeing = gradients(queries: 13..<21)
    for tensor in [all[0], all[1]] {
      #expect(tensor.slice(axis: 1, range: 0..<13).scalars.allSatisfy { $0 == 0 })
    }
    expectClose(all[0].slice(axis: 1, range: 13..<21), seeing[0], tolerance: 1e-6)
    expectClose(all[1].slice(axis: 1, range: 13..<21), seeing[1], tolerance: 1e-6)
    expectClose(all[2], seeing[2], tolerance: 1e-6)
    expectClose(all[3], seeing[3], tolerance: 1e-6)
  }

  @Test func masksFloat() {
    masks(Float.self)
    masks(Float.self, headDim: 8, valueDim: 16)
  }
  @Test func masksDouble() { masks(Double.self) }

  /// The same dropout seed gives the same output; the dropped weights are a fraction near the
  /// rate; a gradient with dropout matches the composition with the same mask applied.
  @Test func dropoutIsReproducible() {
    let q = sample([2, 16, 8], seed: 1, Double.self)
    let (k, v) = (
      sample([2, 16, 8], seed: 2, Double.self), sample([2, 16, 8], seed: 3, Double.self)
    )
    let dropout = AttentionDropout(rate: 0.25, seed: 42)
    let first = q.attention(key: k, value: v, heads: 2, dropout: dropout)
    #expect(first == q.attention(key: k, value: v, heads: 2, dropout: dropout))
    #expect(first != q.attention(key: k, value: v, heads: 2, dropout: .init(rate: 0.25, seed: 43)))
    let layout = ScaledDotProductAttention<Double>(heads: 2, dropout: dropout).layout(
      AttentionInputs(query: q, key: k, value: v))
    var dropped = 0
    for pair in 0..<4 {
      for i in 0..<16 {
        for j in 0..<16 where (layout.dropoutFactor(pair: pair, i, j) as Double) == 0 {
          dropped += 1
        }
      }
    }
    #expect(abs(Double(dropped) / 1024 - 0.25) < 0.05, "dropped \(dropped) of 1024")
  }
}

/// A tensor of `shape` whose scalar at each multi-index is `value(index)`.
func attentionTensor<T: TensorScalar>(_ shape: [Int], _ value: ([Int]) -> Double) -> Tensor<T> {
  let count = shape.reduce(1, *)
  return Tensor(shape: shape, scalars: (0..<count).map { T(value(multiIndex($0, shape: shape))) })
}
