import Foundation
import SwiftTensor

/// A decoder-only transformer on characters (nanoGPT's shape): token and learned position
/// embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP, a final LayerNorm
/// and a linear read-out to the vocabulary.
///
/// Input: character ids `[batch, time]` as scalars, `time ≤ context`. Output: logits
/// `[batch·time, vocabulary]`, the prediction of the next character after each position.
final class GPT<Scalar: TensorScalar>: Model {
  let context: Int
  let tokens: Embedding<Scalar>
  let positions: PositionalEmbedding<Scalar>
  let blocks: [TransformerBlock<Scalar>]
  let norm: LayerNorm<Scalar>
  let readout: Affine<Scalar>

  init(vocabulary: Int, context: Int, layers: Int, heads: Int, width: Int, seed: UInt64) {
    self.context = context
    tokens = Embedding(vocabulary: vocabulary, dimension: width)
    positions = PositionalEmbedding(maxLength: context, width: width)
    blocks = (0..<layers).map { _ in TransformerBlock(width: width, heads: heads) }
    norm = LayerNorm([width])
    readout = Affine(width, vocabulary)
    initializeParameters(seed: seed)
    // GPT-2's initialisation: every weight matrix normal(0.02), the projections that write
    // into the residual stream (attention output, MLP contraction) scaled by 1/√(2·layers).
    var generator = SeededGenerator(seed: seed &+ 0x9e37)
    for parameter in parameters where parameter.variable.value.rank == 2 {
      let path = parameter.path
      let residual = path.hasSuffix("output/W") || path.hasSuffix("affine_1/W")
      let deviation = 0.02 / (residual ? (2 * Double(layers)).squareRoot() : 1)
      parameter.variable.value = .randomNormal(
        shape: parameter.variable.value.shape, standardDeviation: Scalar(deviation),
        using: &generator)
    }
  }

  func forward(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let (batch, time) = (input.shape[0], input.shape[1])
    var x = positions(tokens(input, context: context), context: context)
    for block in blocks { x = block(x, context: context) }
    let width = x.shape[2]
    return readout(norm(x, context: context).reshaped(to: [batch * time, width]), context: context)
  }

  func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    tokens.registerParameters(registrar)
    positions.registerParameters(registrar)
    for block in blocks { block.registerParameters(registrar) }
    norm.registerParameters(registrar)
    readout.registerParameters(registrar)
  }

  /// The logits after the last of `ids`, which follow `caches`' positions (one cache per block):
  /// only the new positions are computed, and their keys and values join the caches.
  func nextLogits(_ ids: [Int], caches: inout [KeyValueCache<Scalar>]) -> [Double] {
    let start = caches.first?.count ?? 0
    let input = Tensor<Scalar>(shape: [1, ids.count], scalars: ids.map { Scalar($0) })
    let evaluation = LayerContext(isTraining: false, seed: 0)
    let embedded = tokens(Variable(input, trainable: false), context: evaluation)
    var x = positions(embedded, offset: start).value
    for index in blocks.indices { x = blocks[index](x, cache: &caches[index]) }
    let width = x.shape[2]
    let last = x.reshaped(to: [ids.count, width])[ids.count - 1].reshaped(to: [1, width])
    let normalized = norm(Variable(last, trainable: false), context: evaluation)
    let logits = readout(normalized, context: evaluation)
    return logits.value.scalars.map { Double($0) }
  }

  /// The logits after the last of `ids` by running the whole window again (no cache).
  func nextLogits(_ ids: [Int]) -> [Double] {
    let input = Tensor<Scalar>(shape: [1, ids.count], scalars: ids.map { Scalar($0) })
    let logits = forward(
      Variable(input, trainable: false), context: LayerContext(isTraining: false, seed: 0))
    return logits.value[ids.count - 1].scalars.map { Double($0) }
  }

  /// Writes `length` characters after `prompt`, drawing each from the softmax of the logits at
  /// `temperature`, among the `topK` most likely (all when `nil`).
  ///
  /// The model sees a window of at most `context` characters; when it is full, the window
  /// moves on by half a context, so that with `cached` each new character costs one position
  /// (plus, once per half context, re-reading the window) instead of a whole window. With the
  /// same seed, `cached` and not give the same characters.
  func sample(
    prompt: [Int], length: Int, temperature: Double, topK: Int?, seed: UInt64, cached: Bool
  ) -> [Int] {
    var generator = SeededGenerator(seed: seed)
    var text = prompt.suffix(context).map { $0 }
    var windowStart = 0
    var caches = blocks.map { _ in KeyValueCache<Scalar>() }
    var pending = text  // characters not yet in the caches
    var drawn: [Int] = []
    for _ in 0..<length {
      let logits: [Double]
      if cached {
        logits = nextLogits(pending, caches: &caches)
      } else {
        logits = nextLogits(Array(text[windowStart...]))
      }
      let choice = draw(from: logits, temperature: temperature, topK: topK, using: &generator)
      drawn.append(choice)
      text.append(choice)
      pending = [choice]
      if text.count - windowStart > context {
        windowStart = text.count - context / 2
        caches = blocks.map { _ in KeyValueCache<Scalar>() }
        pending = Array(text[windowStart...])
      }
    }
    return drawn
  }
}

/// An index drawn with probability softmax(logits / temperature), restricted to the `topK`
/// largest logits when `topK` is set.
func draw(
  from logits: [Double], temperature: Double, topK: Int?, using generator: inout SeededGenerator
) -> Int {
  var scaled = logits.map { $0 / temperature }
  if let topK, topK < scaled.count {
    let threshold = scaled.sorted(by: >)[topK - 1]
    scaled = scaled.map { $0 >= threshold ? $0 : -.infinity }
  }
  let top = scaled.max() ?? 0
  let weights = scaled.map { Foundation.exp($0 - top) }
  var remaining = Double(generator.next() >> 11) / Double(1 << 53) * weights.reduce(0, +)
  for (index, weight) in weights.enumerated() where weight > 0 {
    remaining -= weight
    if remaining < 0 { return index }
  }
  return weights.lastIndex { $0 > 0 } ?? 0
}
