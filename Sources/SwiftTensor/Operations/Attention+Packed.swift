// Attention on the output of one fused query-key-value projection: the three are column blocks
// of one `[batch, time, 3·width]` tensor (nanoGPT's `c_attn`), read in place, and the
// backward pass writes their gradients as the same blocks of one tensor, so the projection
// before it runs one product each way instead of three.

/// Scaled dot-product self-attention of a packed `[batch, time, 3·width]` tensor whose
/// columns `0 ..< width` are the queries, `width ..< 2·width` the keys and `2·width ..< 3·width`
/// the values, giving `[batch, time, width]`.
///
/// It computes what `ScaledDotProductAttention` (its `attention` setting) computes on the
/// three blocks as separate tensors, masks, dropout and derivative included; its gradient is
/// `[dQ | dK | dV]` in the input's layout. Memory and complexity as that operation's.
public struct PackedAttention<Scalar: TensorScalar>: DifferentiableOperation {
  /// The heads, scale, masks and dropout.
  public var attention: ScaledDotProductAttention<Scalar>

  /// Creates the operation from the settings of the attention it computes.
  @inlinable
  public init(_ attention: ScaledDotProductAttention<Scalar>) { self.attention = attention }

  /// The layout of the three blocks of `x`, checking its shape.
  @inlinable
  func layout(_ x: Tensor<Scalar>) -> AttentionLayout {
    let shape = x.shape
    tensorPrecondition(
      shape.count == 3 && shape[2] % 3 == 0,
      "PackedAttention: input of shape \(describe(shape: shape)); expected [batch, time, "
        + "3·width], the queries, keys and values side by side")
    let blockShape = [shape[0], shape[1], shape[2] / 3]
    if let problem = attentionShapeProblem(
      query: blockShape, key: blockShape, value: blockShape, heads: attention.heads,
      mask: attention.keyPaddingMask?.shape)
    {
      tensorFailure(problem)
    }
    let headDim = blockShape[2] / attention.heads
    return AttentionLayout(
      batch: shape[0], heads: attention.heads, timeQ: shape[1], timeK: shape[1],
      headDim: headDim, valueDim: headDim,
      scale: attention.scale ?? 1 / Double(Swift.max(headDim, 1)).squareRoot(),
      causal: attention.causal, dropoutRate: attention.dropout?.rate ?? 0,
      dropoutSeed: attention.dropout?.seed ?? 0, queryStride: shape[2], valueStride: shape[2])
  }

  /// The attention output, saving the probabilities.
  @inlinable
  public func forwardSaving(_ x: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: Tensor<Scalar>)
  {
    let l = layout(x)
    var probabilities = Tensor<Scalar>.zeros(shape: [0])
    // The kernel writes every scalar of both tensors.
    let output = Tensor<Scalar>(shape: [l.batch, l.timeQ, l.valueWidth]) { output in
      probabilities = Tensor(shape: [l.batch, l.heads, l.timeQ, l.timeK]) { probabilities in
        Scalar._attentionKernel(
          AttentionKernel(
            layout: l, query: x.baseAddress, key: x.baseAddress + l.queryWidth,
            value: x.baseAddress + 2 * l.queryWidth, keyMask: attention.keyPaddingMask?.baseAddress,
            probabilities: probabilities, output: output))
      }
    }
    return (output, probabilities)
  }

  /// `[dQ | dK | dV]`, in one kernel call.
  @inlinable
  public func backward(
    inputs x: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Tensor<Scalar>,
    gradients: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let l = layout(x)
    let gradient = gradients
    // The C kernels write every scalar of the three blocks; the Swift loops add to zeros.
    let dX: Tensor<Scalar> = attentionGradientStart(
      shape: x.shape, written: AttentionKernel<Scalar>.runsInC(l))
    let base = dX.baseAddress
    Scalar._attentionKernel(
      AttentionKernel(
        layout: l, query: x.baseAddress, key: x.baseAddress + l.queryWidth,
        value: x.baseAddress + 2 * l.queryWidth, keyMask: attention.keyPaddingMask?.baseAddress,
        probabilities: saved.baseAddress, outputGradient: gradient.baseAddress,
        queryGradient: base, keyGradient: base + l.queryWidth,
        valueGradient: base + 2 * l.queryWidth))
    return dX
  }
}

extension Variable {
  /// Scaled dot-product self-attention of this `[batch, time, 3·width]` variable, the output of
  /// one fused query-key-value projection (see `PackedAttention`), giving
  /// `[batch, time, width]`; one recorded operation. The parameters are those of
  /// `attention(key:value:heads:scale:causal:keyPaddingMask:dropout:)`.
  @inlinable
  public consuming func packedAttention(
    heads: Int, scale: Double? = nil, causal: Bool = false,
    keyPaddingMask: Tensor<Scalar>? = nil, dropout: AttentionDropout? = nil
  ) -> Variable {
    PackedAttention(
      ScaledDotProductAttention(
        heads: heads, scale: scale, causal: causal, keyPaddingMask: keyPaddingMask,
        dropout: dropout)
    ).apply(to: self)
  }
}
