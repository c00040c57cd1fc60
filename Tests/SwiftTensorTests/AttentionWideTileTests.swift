import Testing

@testable import SwiftTensor

/// The attention C kernels with their products in AVX-512 tiles give exactly the bits of the
/// AVX2 tiles (every element sums its products in the same order), forward and backward, on
/// sizes that leave every kind of tile edge: heads of 8 to 64 columns, query counts that are
/// not multiples of 6, more keys than queries, causal and padding masks.
@Suite struct AttentionWideTileTests {
  struct Case: CustomStringConvertible {
    var batch = 2, heads = 2, timeQ: Int, timeK: Int, headDim: Int, valueDim: Int
    var causal: Bool, masked = false

    var description: String {
      "\(timeQ)x\(timeK) head \(headDim) value \(valueDim) causal \(causal) masked \(masked)"
    }
  }

  /// Scalars in [-1, 1) from a seed.
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    Tensor<Float>.random(shape: [count], lower: -1, upper: 1, seed: seed).scalars
  }

  /// A buffer holding `values`; the caller deallocates it.
  static func buffer(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
    pointer.initialize(from: values, count: values.count)
    return pointer
  }

  /// The forward outputs, weights and the three input gradients of one case.
  static func run(_ c: Case, wideTiles: Bool) -> [[Float]] {
    let l = AttentionLayout(
      batch: c.batch, heads: c.heads, timeQ: c.timeQ, timeK: c.timeK, headDim: c.headDim,
      valueDim: c.valueDim, scale: 0.3, causal: c.causal, dropoutRate: 0, dropoutSeed: 0)
    let (queries, keys) = (c.batch * c.timeQ * l.queryWidth, c.batch * c.timeK * l.queryWidth)
    let (values, outputs) = (c.batch * c.timeK * l.valueWidth, c.batch * c.timeQ * l.valueWidth)
    let weights = c.batch * c.heads * c.timeQ * c.timeK
    let q = buffer(Self.values(queries, seed: 1))
    let k = buffer(Self.values(keys, seed: 2))
    let v = buffer(Self.values(values, seed: 3))
    let dO = buffer(Self.values(outputs, seed: 4))
    let mask = buffer((0..<c.batch * c.timeK).map { $0 % 4 == 1 ? 0 : 1 })
    // NaN wherever a kernel must write, so that a scalar left unwritten shows.
    let p = buffer(Array(repeating: .nan, count: weights))
    let o = buffer(Array(repeating: .nan, count: outputs))
    let dQ = buffer(Array(repeating: .nan, count: queries))
    let dK = buffer(Array(repeating: .nan, count: keys))
    let dV = buffer(Array(repeating: .nan, count: values))
    defer { for b in [q, k, v, dO, mask, p, o, dQ, dK, dV] { b.deallocate() } }
    let keyMask = c.masked ? UnsafePointer(mask) : nil
    AttentionKernel(
      layout: l, query: q, key: k, value: v, keyMask: keyMask, probabilities: p, output: o
    ).run(wideTiles: wideTiles)
    AttentionKernel(
      layout: l, query: q, key: k, value: v, keyMask: keyMask, probabilities: p,
      outputGradient: dO, queryGradient: dQ, keyGradient: dK, valueGradient: dV
    ).run(wideTiles: wideTiles)
    return [(o, outputs), (p, weights), (dQ, queries), (dK, keys), (dV, values)].map {
      Array(UnsafeBufferPointer(start: $0.0, count: $0.1))
    }
  }

  static let cases: [Case] = [
    Case(timeQ: 64, timeK: 64, headDim: 32, valueDim: 32, causal: true),
    Case(timeQ: 20, timeK: 20, headDim: 8, valueDim: 24, causal: true, masked: true),
    Case(timeQ: 13, timeK: 29, headDim: 40, valueDim: 16, causal: false, masked: true),
    Case(timeQ: 7, timeK: 45, headDim: 64, valueDim: 56, causal: true),
    Case(timeQ: 33, timeK: 17, headDim: 24, valueDim: 8, causal: true, masked: true),
  ]

  @Test(.enabled(if: CPU.hasAVX512F), arguments: cases)
  func wideTilesGiveTheSameBits(_ c: Case) {
    let narrow = Self.run(c, wideTiles: false)
    let wide = Self.run(c, wideTiles: true)
    for (index, name) in ["output", "weights", "dQ", "dK", "dV"].enumerated() {
      #expect(!narrow[index].contains { $0.isNaN }, "\(c): \(name) left unwritten")
      let (a, b) = (narrow[index], wide[index])
      let first = a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
      #expect(first == nil, "\(c): \(name)[\(first ?? 0)] \(a[first ?? 0]) != \(b[first ?? 0])")
    }
  }
}
