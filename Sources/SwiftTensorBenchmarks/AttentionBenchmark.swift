import SwiftTensor

/// The attention of the character-level GPT: batch 32, 64 positions, 4 heads of 32 (width 128),
/// causal, in Float.
enum AttentionShape {
  static let (batch, time, heads, headDim) = (32, 64, 4, 32)
  static var width: Int { heads * headDim }
}

/// Milliseconds for the forward and backward pass of causal attention at `AttentionShape`,
/// with gradients for the query, key and value: `fused` runs `ScaledDotProductAttention`, else
/// the same computation composed of existing operations (head split by reshape and transpose,
/// batched matmul, masked fill, softmax, and back).
func attentionMilliseconds(fused: Bool) -> Double {
  let (b, t, h, d) = (
    AttentionShape.batch, AttentionShape.time, AttentionShape.heads, AttentionShape.headDim
  )
  let inputs = (0..<3).map { seed in
    Tensor<Float>.random(shape: [b, t, h * d], lower: -1, upper: 1, seed: UInt64(seed))
  }
  let causalFill = Tensor<Float>(
    shape: [1, t, t], scalars: (0..<t * t).map { $0 % t > $0 / t ? 1 : 0 })
  func split(_ x: Variable<Float>) -> Variable<Float> {
    x.reshaped(to: [b, t, h, d]).transposed(permutation: [0, 2, 1, 3]).reshaped(to: [b * h, t, d])
  }
  return medianMilliseconds(runs: 20) {
    let tape = Tape<Float>()
    let (q, k, v) = (tape.variable(inputs[0]), tape.variable(inputs[1]), tape.variable(inputs[2]))
    let y: Variable<Float>
    if fused {
      y = q.attention(key: k, value: v, heads: h, causal: true)
    } else {
      let scores = split(q).matmul(split(k), transposingOther: true) * (1 / Float(d).squareRoot())
      y = scores.maskedFill(causalFill, -.infinity).softmax(axis: -1).matmul(split(v))
        .reshaped(to: [b, h, t, d]).transposed(permutation: [0, 2, 1, 3]).reshaped(to: [
          b, t, h * d,
        ])
    }
    y.sum().backward()
  }
}

/// Milliseconds for the forward pass alone of the fused causal attention at `AttentionShape`.
func attentionForwardMilliseconds() -> Double {
  let (b, t, w) = (AttentionShape.batch, AttentionShape.time, AttentionShape.width)
  let q = Tensor<Float>.random(shape: [b, t, w], lower: -1, upper: 1, seed: 0)
  let k = Tensor<Float>.random(shape: [b, t, w], lower: -1, upper: 1, seed: 1)
  let v = Tensor<Float>.random(shape: [b, t, w], lower: -1, upper: 1, seed: 2)
  return medianMilliseconds(runs: 20) {
    _ = q.attention(key: k, value: v, heads: AttentionShape.heads, causal: true)
  }
}

/// Milliseconds for the forward and backward pass of a causal `MultiHeadAttention` layer
/// (projections included) at `AttentionShape`, with the parameters' and input's gradients.
func multiHeadAttentionMilliseconds() -> Double {
  let layer = MultiHeadAttention<Float>(
    width: AttentionShape.width, heads: AttentionShape.heads, causal: true)
  let x = Tensor<Float>.random(
    shape: [AttentionShape.batch, AttentionShape.time, AttentionShape.width], lower: -1,
    upper: 1, seed: 3)
  let context = LayerContext(isTraining: true, seed: 0)
  return medianMilliseconds(runs: 20) {
    let tape = Tape<Float>()
    for parameter in layer.weights + layer.biases { tape.watch(parameter) }
    layer(tape.variable(x), context: context).sum().backward()
    for parameter in layer.weights + layer.biases { parameter.zeroGradient() }
  }
}

/// Milliseconds for generating one position with a key/value cache holding 63 (the 64th of a
/// window), against the forward pass over the whole window of 64 that a model without a cache
/// runs per position; batch 1, width 128, 4 heads, causal, in Float.
func cachedGenerationMilliseconds() -> (step: Double, window: Double) {
  let layer = MultiHeadAttention<Float>(
    width: AttentionShape.width, heads: AttentionShape.heads, causal: true)
  let x = Tensor<Float>.random(
    shape: [1, AttentionShape.time, AttentionShape.width], lower: -1, upper: 1, seed: 4)
  var filled = KeyValueCache<Float>()
  _ = layer(x.slice(axis: 1, range: 0..<AttentionShape.time - 1), cache: &filled)
  let last = x.slice(axis: 1, range: AttentionShape.time - 1..<AttentionShape.time)
  let step = medianMilliseconds(runs: 50) {
    var cache = filled
    _ = layer(last, cache: &cache)
  }
  let context = LayerContext(isTraining: false, seed: 0)
  let window = medianMilliseconds(runs: 50) { _ = layer(Variable(x), context: context) }
  return (step, window)
}
