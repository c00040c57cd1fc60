// The spellings of `LayerNormalization` and `GroupNormalization` on variables (recorded) and on
// tensors (computed only).

extension Variable {
  /// Layer normalisation over the trailing `normalizedShape` axes (see `LayerNormalization`):
  /// `(self - mean)/√(var + ε)·weight + bias`, with `weight` and `bias` (optional) of shape
  /// `normalizedShape`; the result has this variable's shape.
  @inlinable
  public consuming func layerNormalized(
    over normalizedShape: [Int], weight: Variable? = nil, bias: Variable? = nil,
    epsilon: Double = 1e-5
  ) -> Variable {
    let operation = LayerNormalization<Scalar>(normalizedShape: normalizedShape, epsilon: epsilon)
    return operation.apply(to: normalizationInputs(self, weight, bias, operation.name))[0]
  }

  /// Group normalisation of `[batch, channels, ...]` in `groups` groups of channels (see
  /// `GroupNormalization`), with per-channel `weight` and `bias` (optional) of shape
  /// `[channels]`; the result has this variable's shape.
  @inlinable
  public consuming func groupNormalized(
    groups: Int, weight: Variable? = nil, bias: Variable? = nil, epsilon: Double = 1e-5
  ) -> Variable {
    let operation = GroupNormalization<Scalar>(groups: groups, epsilon: epsilon)
    return operation.apply(to: normalizationInputs(self, weight, bias, operation.name))[0]
  }
}

/// `[x]`, `[x, γ]` or `[x, γ, β]`, stopping on a bias without a weight.
@inlinable
func normalizationInputs<Scalar: TensorScalar>(
  _ x: Variable<Scalar>, _ weight: Variable<Scalar>?, _ bias: Variable<Scalar>?,
  _ operation: @autoclosure () -> String
) -> [Variable<Scalar>] {
  tensorPrecondition(
    bias == nil || weight != nil, "\(operation()): a bias needs a weight ([x, γ, β])")
  return [x] + [weight, bias].compactMap { $0 }
}

extension Tensor {
  /// Layer normalisation over the trailing `normalizedShape` axes (see `LayerNormalization`),
  /// with `weight` and `bias` (optional) of shape `normalizedShape`.
  @inlinable
  public func layerNormalized(
    over normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
    epsilon: Double = 1e-5
  ) -> Tensor {
    LayerNormalization(normalizedShape: normalizedShape, epsilon: epsilon)
      .forwardSaving(NormalizationInputs(input: self, weight: weight, bias: bias)).outputs
  }

  /// Group normalisation of `[batch, channels, ...]` in `groups` groups of channels (see
  /// `GroupNormalization`), with per-channel `weight` and `bias` (optional) of shape
  /// `[channels]`.
  @inlinable
  public func groupNormalized(
    groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5
  ) -> Tensor {
    GroupNormalization(groups: groups, epsilon: epsilon)
      .forwardSaving(NormalizationInputs(input: self, weight: weight, bias: bias)).outputs
  }
}
