// The normalisation layers. Their parameters are named `weight` and `bias`, as PyTorch names
// them, so that a PyTorch state dictionary's tensors map onto them by name.

/// Layer normalisation over the trailing `normalizedShape` axes (PyTorch's `nn.LayerNorm`),
/// with a learned scale `weight` and shift `bias` of shape `normalizedShape` when `affine`.
///
/// Input `[..., normalizedShape]`, output of the same shape; see `LayerNormalization` for the
/// formula and its derivative. `weight` starts at 1 and `bias` at 0.
public struct LayerNorm<Scalar: TensorScalar>: Layer {
  /// The shape of the trailing axes normalised together.
  public let normalizedShape: [Int]
  /// `ε`, added to the variance.
  public let epsilon: Double
  /// The scale `γ`, of shape `normalizedShape`, or `nil` without `affine`.
  public let weight: Variable<Scalar>?
  /// The shift `β`, of shape `normalizedShape`, or `nil` without `affine`.
  public let bias: Variable<Scalar>?

  /// Creates the layer.
  ///
  /// - Precondition: `normalizedShape` is not empty and has no dimension below 1.
  @inlinable
  public init(_ normalizedShape: [Int], epsilon: Double = 1e-5, affine: Bool = true) {
    // The operation checks the shape, with its message, when the layer is made.
    _ = LayerNormalization<Scalar>(normalizedShape: normalizedShape, epsilon: epsilon)
    self.normalizedShape = normalizedShape
    self.epsilon = epsilon
    weight = affine ? Variable(.ones(shape: normalizedShape), name: "weight") : nil
    bias = affine ? Variable(.zeros(shape: normalizedShape), name: "bias") : nil
  }

  /// `(x - mean)/√(var + ε)·weight + bias` over the trailing axes.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let shape = input.value.shape
    tensorPrecondition(
      shape.count >= normalizedShape.count
        && Array(shape.suffix(normalizedShape.count)) == normalizedShape,
      (weight.map(layerPathPrefix) ?? "") + "LayerNorm: input of shape "
        + "\(describe(shape: shape)) does not end with the normalized shape "
        + "\(describe(shape: normalizedShape))")
    return input.layerNormalized(
      over: normalizedShape, weight: weight, bias: bias, epsilon: epsilon)
  }

  /// `weight` (initialised to 1) and `bias` (to 0).
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("layernorm") { scope in
      if let weight { scope.add("weight", weight, initializer: .constant(1)) }
      if let bias { scope.add("bias", bias, initializer: .constant(0)) }
    }
  }
}

/// Group normalisation (PyTorch's `nn.GroupNorm`): the `channels` of each sample in `groups`
/// groups, each normalised on its own, then a learned per-channel scale `weight` and shift
/// `bias` of shape `[channels]` when `affine`.
///
/// Input `[batch, channels, ...]` (channels second), output of the same shape; see
/// `GroupNormalization` for the formula and its derivative. `weight` starts at 1, `bias` at 0.
public struct GroupNorm<Scalar: TensorScalar>: Layer {
  /// The number of groups, dividing `channels`.
  public let groups: Int
  /// The number of channels the input has (its second dimension).
  public let channels: Int
  /// `ε`, added to the variance.
  public let epsilon: Double
  /// The scale `γ`, of shape `[channels]`, or `nil` without `affine`.
  public let weight: Variable<Scalar>?
  /// The shift `β`, of shape `[channels]`, or `nil` without `affine`.
  public let bias: Variable<Scalar>?

  /// Creates the layer.
  ///
  /// - Precondition: `groups` and `channels` are positive and `groups` divides `channels`.
  @inlinable
  public init(groups: Int, channels: Int, epsilon: Double = 1e-5, affine: Bool = true) {
    tensorPrecondition(
      groups > 0 && channels > 0 && channels % groups == 0,
      "GroupNorm: \(groups) groups do not divide \(channels) channels")
    self.groups = groups
    self.channels = channels
    self.epsilon = epsilon
    weight = affine ? Variable(.ones(shape: [channels]), name: "weight") : nil
    bias = affine ? Variable(.zeros(shape: [channels]), name: "bias") : nil
  }

  /// `(x - mean)/√(var + ε)·weight[c] + bias[c]` per group.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let shape = input.value.shape
    tensorPrecondition(
      shape.count >= 2 && shape[1] == channels,
      (weight.map(layerPathPrefix) ?? "") + "GroupNorm: input of shape "
        + "\(describe(shape: shape)) does not fit a layer of \(channels) channels; expected "
        + "[batch, \(channels), ...]")
    return input.groupNormalized(groups: groups, weight: weight, bias: bias, epsilon: epsilon)
  }

  /// `weight` (initialised to 1) and `bias` (to 0).
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("groupnorm") { scope in
      if let weight { scope.add("weight", weight, initializer: .constant(1)) }
      if let bias { scope.add("bias", bias, initializer: .constant(0)) }
    }
  }
}
