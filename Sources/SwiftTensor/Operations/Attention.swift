// Scaled dot-product attention, fused: one recorded operation whose kernel
// (`Kernels/AttentionKernels.swift`) reads the heads as column blocks of the projections.

/// The inputs of an attention, by name: `query`, `key` and `value`, each `[batch, time, heads·dim]`.
public struct AttentionInputs<Scalar: TensorScalar>: TensorArguments {
  /// `Q`, `[batch, timeQ, heads·headDim]`.
  public var query: Tensor<Scalar>
  /// `K`, `[batch, timeK, heads·headDim]`.
  public var key: Tensor<Scalar>
  /// `V`, `[batch, timeK, heads·valueDim]`.
  public var value: Tensor<Scalar>

  /// Names the inputs.
  @inlinable
  public init(query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>) {
    self.query = query
    self.key = key
    self.value = value
  }

  /// `[query, key, value]`.
  @inlinable
  public var tensors: [Tensor<Scalar>] { [query, key, value] }

  /// Takes `[query, key, value]`.
  ///
  /// - Precondition: there are exactly three tensors.
  @inlinable
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(
      tensors.count == 3,
      "ScaledDotProductAttention: expected inputs [query, key, value], got \(tensors.count) "
        + "tensors")
    self.init(query: tensors[0], key: tensors[1], value: tensors[2])
  }
}

/// Dropout of attention weights: each weight is dropped with probability `rate` and the others
/// scaled by `1/(1 - rate)`, decided by a hash of `seed` and the weight's position, so the
/// forward and backward passes agree and a run with the same seed is reproduced exactly.
public struct AttentionDropout: Sendable, Equatable {
  /// The probability of dropping a weight, in `[0, 1)`.
  public var rate: Double
  /// The seed of the decisions; draw a fresh one per step (as `MultiHeadAttention` does).
  public var seed: UInt64

  /// Creates the setting.
  ///
  /// - Precondition: `rate` is in `[0, 1)`.
  @inlinable
  public init(rate: Double, seed: UInt64) {
    tensorPrecondition(
      rate >= 0 && rate < 1, "ScaledDotProductAttention: dropout rate \(rate) is outside [0, 1)")
    self.rate = rate
    self.seed = seed
  }
}

/// Scaled dot-product attention over `heads` heads, fused into one operation (PyTorch's
/// `scaled_dot_product_attention` on the `[batch, time, heads·dim]` layout a linear projection
/// gives: the heads are read as column blocks, so no tensor is reshaped into a head layout).
///
/// For each batch element `b` and head `h`, with `Q`, `K`, `V` the head's column blocks:
/// `S = scale·Q·Kᵀ` (`[timeQ, timeK]`), masked entries excluded, `P = softmax(S)` along the keys
/// (maximum subtracted), `O = dropout(P)·V`, written to the head's column block of the output
/// `[batch, timeQ, heads·valueDim]`.
///
/// Masks: with `causal`, query `i` attends key `j` only if `j ≤ i + timeK - timeQ` (the last
/// query sees every key, as with a key/value cache); `keyPaddingMask`, `[batch, timeK]`, holds 1
/// for a key to attend and 0 for a masked key (a constant: it gets no gradient). A masked key
/// gets weight exactly 0, hence zero key and value gradients from that query. **A query with no
/// key left to attend outputs zeros and passes no gradient** (not NaN).
///
/// Derivative: `dP = dO·Vᵀ` (times the dropout factors), `dS = P∘(dP - rowsum(dP∘P))`,
/// `dQ = scale·dS·K`, `dK = scale·dSᵀ·Q`, `dV = dropout(P)ᵀ·dO`.
///
/// Memory: the forward pass keeps the probabilities `P`, `[batch, heads, timeQ, timeK]`, and
/// nothing else (the dropout decisions are recomputed from the seed). Keeping only each row's
/// log-sum-exp, as FlashAttention does, would save that tensor but cost the backward pass
/// another `Q·Kᵀ` product and `timeQ·timeK` exponentials per head; at the sequence lengths a CPU
/// trains on, `P` is no larger than a few activations of the model, and time is the scarcer.
///
/// Complexity: O(batch·heads·timeQ·timeK·(headDim + valueDim)) time each way (about half when
/// `causal`, whose masked blocks are skipped), split between threads by (batch, head) pairs.
public struct ScaledDotProductAttention<Scalar: TensorScalar>: DifferentiableOperation {
  /// The number of heads; it divides the widths of the inputs.
  public var heads: Int
  /// The factor of `Q·Kᵀ`, or `nil` for `1/√headDim`.
  public var scale: Double?
  /// Whether query `i` attends only keys `j ≤ i + timeK - timeQ`.
  public var causal: Bool
  /// `[batch, timeK]`: 1 to attend a key, 0 to mask it; `nil` attends every key.
  public var keyPaddingMask: Tensor<Scalar>?
  /// Dropout of the attention weights, or `nil` for none.
  public var dropout: AttentionDropout?

  /// Creates the operation.
  ///
  /// - Precondition: `heads` is at least 1.
  @inlinable
  public init(
    heads: Int, scale: Double? = nil, causal: Bool = false, keyPaddingMask: Tensor<Scalar>? = nil,
    dropout: AttentionDropout? = nil
  ) {
    tensorPrecondition(
      heads > 0, "ScaledDotProductAttention: \(heads) heads; expected at least 1")
    self.heads = heads
    self.scale = scale
    self.causal = causal
    self.keyPaddingMask = keyPaddingMask
    self.dropout = dropout
  }

  /// The layout of the inputs, checking every shape.
  @inlinable
  func layout(_ inputs: AttentionInputs<Scalar>) -> AttentionLayout {
    let (q, k, v) = (inputs.query.shape, inputs.key.shape, inputs.value.shape)
    if let problem = attentionShapeProblem(
      query: q, key: k, value: v, heads: heads, mask: keyPaddingMask?.shape)
    {
      tensorFailure(problem)
    }
    let headDim = q[2] / heads
    return AttentionLayout(
      batch: q[0], heads: heads, timeQ: q[1], timeK: k[1], headDim: headDim,
      valueDim: v[2] / heads, scale: scale ?? 1 / Double(Swift.max(headDim, 1)).squareRoot(),
      causal: causal, dropoutRate: dropout?.rate ?? 0, dropoutSeed: dropout?.seed ?? 0)
  }

  /// The attention output, saving the probabilities.
  @inlinable
  public func forwardSaving(
    _ inputs: AttentionInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: Tensor<Scalar>) {
    let l = layout(inputs)
    let probabilityShape = [l.batch, l.heads, l.timeQ, l.timeK]
    var probabilities = Tensor<Scalar>.zeros(shape: [0])
    // The kernel writes every scalar of both tensors.
    let output = Tensor<Scalar>(shape: [l.batch, l.timeQ, l.valueWidth]) { output in
      probabilities = Tensor(shape: probabilityShape) { probabilities in
        Scalar._attentionKernel(
          AttentionKernel(
            layout: l, query: inputs.query.baseAddress, key: inputs.key.baseAddress,
            value: inputs.value.baseAddress, keyMask: keyPaddingMask?.baseAddress,
            probabilities: probabilities, output: output))
      }
    }
    return (output, probabilities)
  }

  /// `(dQ, dK, dV)`, in one kernel call.
  @inlinable
  public func backward(
    inputs: AttentionInputs<Scalar>, outputs: Tensor<Scalar>, saved: Tensor<Scalar>,
    gradients: consuming Tensor<Scalar>
  ) -> AttentionInputs<Scalar> {
    backward(
      inputs: inputs, outputs: outputs, saved: saved, gradients: gradients,
      needed: [true, true, true])
  }

  /// The gradients flagged in `needed` (`[query, key, value]`); the others are zeros.
  @inlinable
  public func backward(
    inputs: AttentionInputs<Scalar>, outputs: Tensor<Scalar>, saved: Tensor<Scalar>,
    gradients: consuming Tensor<Scalar>, needed: [Bool]
  ) -> AttentionInputs<Scalar> {
    let l = layout(inputs)
    let gradient = gradients
    // The C kernels write every scalar of the gradients they compute; the Swift loops add.
    let written = AttentionKernel<Scalar>.runsInC(l)
    func start(_ shape: [Int], needed: Bool) -> Tensor<Scalar> {
      attentionGradientStart(shape: shape, written: needed && written)
    }
    let dQ = start(inputs.query.shape, needed: needed[0])
    let dK = start(inputs.key.shape, needed: needed[1])
    let dV = start(inputs.value.shape, needed: needed[2])
    Scalar._attentionKernel(
      AttentionKernel(
        layout: l, query: inputs.query.baseAddress, key: inputs.key.baseAddress,
        value: inputs.value.baseAddress, keyMask: keyPaddingMask?.baseAddress,
        probabilities: saved.baseAddress, outputGradient: gradient.baseAddress,
        queryGradient: needed[0] ? dQ.baseAddress : nil,
        keyGradient: needed[1] ? dK.baseAddress : nil,
        valueGradient: needed[2] ? dV.baseAddress : nil))
    return AttentionInputs(query: dQ, key: dK, value: dV)
  }
}

/// A gradient of `shape` for the attention kernels to fill: uninitialised when they write
/// every scalar of it (`written`, the C kernels), NaN-filled in debug builds so that a scalar
/// they missed fails the tests; zeros when they add to it (the Swift loops). O(scalars) in
/// debug builds or for zeros, else O(1).
@inlinable
func attentionGradientStart<Scalar: TensorScalar>(shape: [Int], written: Bool) -> Tensor<Scalar> {
  guard written else { return .zeros(shape: shape) }
  return Tensor(shape: shape) { buffer in
    #if DEBUG
      buffer.update(repeating: .nan, count: shape.reduce(1, *))
    #endif
  }
}

/// What is wrong with the shapes of an attention's inputs, as the message its precondition
/// stops with, or `nil` when they fit: each of rank 3, the same batch, `key` and `value` the
/// same time, the query and key widths equal and divisible by `heads`, the value width
/// divisible by `heads`, and a mask (if any) of `[batch, timeK]`. O(1).
@usableFromInline
func attentionShapeProblem(
  query q: [Int], key k: [Int], value v: [Int], heads: Int, mask: [Int]?
) -> String? {
  let name = "ScaledDotProductAttention"
  let shapes = "query \(describe(shape: q)), key \(describe(shape: k)), value \(describe(shape: v))"
  guard q.count == 3, k.count == 3, v.count == 3 else {
    return "\(name): \(shapes); expected rank 3 each, [batch, time, heads·dim]"
  }
  guard q[0] == k[0], k[0] == v[0] else { return "\(name): \(shapes); batch sizes differ" }
  guard k[1] == v[1] else { return "\(name): \(shapes); key and value times differ" }
  guard q[2] == k[2] else { return "\(name): \(shapes); query and key widths differ" }
  guard q[2] % heads == 0, v[2] % heads == 0 else {
    return "\(name): \(shapes); widths \(q[2]) and \(v[2]) must be divisible by \(heads) heads"
  }
  if let mask, mask != [k[0], k[1]] {
    return "\(name): key padding mask of shape \(describe(shape: mask)) for \(shapes); "
      + "expected [\(k[0]), \(k[1])] ([batch, timeK])"
  }
  return nil
}
