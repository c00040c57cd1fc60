import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The fused attention's backward pass against central differences (`forAll` over sizes,
/// masks and values, Float and Double), and the `MultiHeadAttention` layer: its parameter
/// gradients, its names, and generation with a key/value cache.
@Suite struct AttentionGradientTests {
  /// Sizes `(batch, heads, timeQ, timeK, headDim, valueDim)`, with `timeQ ≤ timeK`, a causal
  /// flag and whether to pad, with the inputs and a padding mask that never hides the last key.
  func cases<T: TensorScalar>(
    _ type: T.Type
  ) -> Gen<(ScaledDotProductAttention<T>, [Tensor<T>])> {
    zip(
      zip(Gen.int(in: 1...2), Gen.int(in: 1...3), Gen.int(in: 1...4)),
      zip(Gen.int(in: 0...3), Gen.int(in: 1...3), Gen.int(in: 1...3)),
      zip(Gen.element(of: [false, true]), Gen.element(of: [false, true]))
    ).flatMap { sizes, more, flags in
      let (batch, heads, timeQ) = sizes
      let (extraKeys, headDim, valueDim) = more
      let timeK = timeQ + extraKeys
      let mask: Tensor<T>? =
        flags.1
        ? attentionTensor([batch, timeK]) { ($0[0] + $0[1]) % 2 == 1 && $0[1] != timeK - 1 ? 0 : 1 }
        : nil
      let operation = ScaledDotProductAttention<T>(
        heads: heads, causal: flags.0, keyPaddingMask: mask)
      return zip(
        Gen.tensor(type, shape: [batch, timeQ, heads * headDim]),
        Gen.tensor(type, shape: [batch, timeK, heads * headDim]),
        Gen.tensor(type, shape: [batch, timeK, heads * valueDim])
      ).map { (operation, [$0, $1, $2]) }
    }
  }

  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(cases(type), cases: 60) { operation, tensors in
      try expectGradient(of: operation, at: tensors)
      // The variable spelling, with a dropout seed, and a second use of the output.
      try expectGradient(at: tensors) { v in
        let y = v[0].attention(
          key: v[1], value: v[2], heads: operation.heads, causal: operation.causal,
          keyPaddingMask: operation.keyPaddingMask, dropout: AttentionDropout(rate: 0.3, seed: 5))
        return y * y + y
      }
    }
  }

  /// More queries than keys, causal: a skipped block of queries that see no key, and a
  /// partly masked one, in one check.
  @Test func gradientsWithQueriesBeforeEveryKey() throws {
    let operation = ScaledDotProductAttention<Double>(heads: 2, causal: true)
    let tensors: [Tensor<Double>] = [
      sample([1, 21, 4], seed: 1), sample([1, 3, 4], seed: 2), sample([1, 3, 2], seed: 3),
    ]
    try expectGradient(of: operation, at: tensors)
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  /// The layer's parameter gradients (all eight projections' weights and biases) through a
  /// padded, causal self-attention, and the gradient of its input.
  func layerGradients<T: TensorScalar>(_ type: T.Type) throws {
    for (heads, causal) in [(1, false), (2, true), (4, true)] {
      let layer = MultiHeadAttention<T>(width: 4, heads: heads, causal: causal, seed: 3)
      let input: Tensor<T> = sample([2, 3, 4], seed: 9)
      let mask: Tensor<T> = attentionTensor([2, 3]) { $0 == [1, 0] ? 0 : 1 }
      let context = LayerContext(isTraining: false, seed: 0)
      try expectParameterGradients(layer.weights + layer.biases) {
        layer(Variable(input, trainable: false), keyPaddingMask: mask, context: context)
      }
      try expectGradient(at: [input]) { v in layer(v[0], context: context) }
    }
  }

  @Test func layerGradientsFloat() throws { try layerGradients(Float.self) }
  @Test func layerGradientsDouble() throws { try layerGradients(Double.self) }

  /// The layer sits in a model, names its parameters under one scope, and trains.
  @Test func layerInAModel() {
    let model = Graph<Double>("attention", seed: 2) {
      MultiHeadAttention(width: 8, heads: 2, causal: true)
      MultiHeadAttention(width: 8, heads: 4, bias: false)
    }
    let paths = model.parameters.map(\.path)
    #expect(
      paths.prefix(4) == [
        "attention_0/query/W", "attention_0/query/b", "attention_0/key/W", "attention_0/key/b",
      ])
    #expect(paths.suffix(2) == ["attention_1/value/W", "attention_1/output/W"])
    #expect(paths.count == 12)
    let output = model.predict(sample([3, 5, 8], seed: 1))
    #expect(output.shape == [3, 5, 8])
  }

  /// Generating position by position with a key/value cache (and in two uneven pieces) gives
  /// the rows of one causal forward pass over the whole sequence.
  func cacheMatchesFullWindow<T: TensorScalar>(_ type: T.Type, tolerance: T) {
    // Small, then large enough for the whole window's projections to take the packed products.
    cacheMatchesFullWindow(type, width: 8, heads: 2, time: 7, tolerance: tolerance)
    cacheMatchesFullWindow(type, width: 32, heads: 4, time: 40, tolerance: tolerance)
  }

  func cacheMatchesFullWindow<T: TensorScalar>(
    _ type: T.Type, width: Int, heads: Int, time: Int, tolerance: T
  ) {
    let layer = MultiHeadAttention<T>(width: width, heads: heads, causal: true, seed: 11)
    let input: Tensor<T> = sample([2, time, width], seed: 4)
    let full = layer(Variable(input), context: LayerContext(isTraining: false, seed: 0)).value
    var cache = KeyValueCache<T>()
    var rows: [Tensor<T>] = []
    for t in 0..<time {
      rows.append(layer(input.slice(axis: 1, range: t..<t + 1), cache: &cache))
    }
    #expect(cache.count == time)
    expectClose(Tensor.concatenate(rows, axis: 1), full, tolerance: tolerance, "one at a time")
    var pieces = KeyValueCache<T>()
    let first = layer(input.slice(axis: 1, range: 0..<3), cache: &pieces)
    let second = layer(input.slice(axis: 1, range: 3..<time), cache: &pieces)
    expectClose(Tensor.concatenate([first, second], axis: 1), full, tolerance: tolerance, "pieces")
  }

  @Test func cacheMatchesFullWindowFloat() { cacheMatchesFullWindow(Float.self, tolerance: 1e-6) }
  @Test func cacheMatchesFullWindowDouble() {
    cacheMatchesFullWindow(Double.self, tolerance: 1e-12)
  }

  /// Dropout is active only in training, and a context's seed reproduces it.
  @Test func layerDropoutFollowsTheContext() {
    let layer = MultiHeadAttention<Double>(width: 8, heads: 2, dropoutRate: 0.5, seed: 1)
    let x = Variable(sample([2, 6, 8], seed: 3, Double.self))
    let evaluation = layer(x, context: LayerContext(isTraining: false, seed: 1)).value
    let trained = layer(x, context: LayerContext(isTraining: true, seed: 1)).value
    #expect(trained != evaluation)
    #expect(trained == layer(x, context: LayerContext(isTraining: true, seed: 1)).value)
  }
}
