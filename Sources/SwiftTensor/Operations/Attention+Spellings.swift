// The spellings of `ScaledDotProductAttention` on variables (recorded) and on tensors (computed
// only).

extension Variable {
  /// Scaled dot-product attention of this query `[batch, timeQ, heads·headDim]` over `key`
  /// `[batch, timeK, heads·headDim]` and `value` `[batch, timeK, heads·valueDim]`, giving
  /// `[batch, timeQ, heads·valueDim]`; one recorded operation (see `ScaledDotProductAttention`
  /// for the masks, the rule for a fully masked query and the derivative).
  ///
  /// - Parameters:
  ///   - key: the keys, `[batch, timeK, heads·headDim]`.
  ///   - value: the values, `[batch, timeK, heads·valueDim]`.
  ///   - heads: the number of heads the features are split into.
  ///   - scale: the factor of `Q·Kᵀ`; `nil` for `1/√headDim`.
  ///   - causal: query `i` attends only keys `j ≤ i + timeK - timeQ`.
  ///   - keyPaddingMask: `[batch, timeK]`, 1 to attend a key and 0 to mask it.
  ///   - dropout: dropout of the attention weights (training only).
  @inlinable
  public consuming func attention(
    key: Variable, value: Variable, heads: Int, scale: Double? = nil, causal: Bool = false,
    keyPaddingMask: Tensor<Scalar>? = nil, dropout: AttentionDropout? = nil
  ) -> Variable {
    ScaledDotProductAttention(
      heads: heads, scale: scale, causal: causal, keyPaddingMask: keyPaddingMask,
      dropout: dropout
    ).apply(to: [self, key, value])[0]
  }
}

extension Tensor {
  /// Scaled dot-product attention of this query `[batch, timeQ, heads·headDim]` over `key`
  /// and `value`, computed without recording (see `Variable.attention(key:value:heads:...)` and
  /// `ScaledDotProductAttention`).
  @inlinable
  public func attention(
    key: Tensor, value: Tensor, heads: Int, scale: Double? = nil, causal: Bool = false,
    keyPaddingMask: Tensor? = nil, dropout: AttentionDropout? = nil
  ) -> Tensor {
    ScaledDotProductAttention(
      heads: heads, scale: scale, causal: causal, keyPaddingMask: keyPaddingMask,
      dropout: dropout
    ).forwardSaving(AttentionInputs(query: self, key: key, value: value)).outputs
  }
}
