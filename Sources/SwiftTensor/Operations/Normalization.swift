// Layer and group normalisation, fused: one kernel pass forward (statistics and output), one
// backward (input, weight and bias gradients), sharing the loops of
// `Kernels/NormalizationKernels.swift`.

/// The inputs of a normalisation, by name: `x` and optional per-element or per-channel
/// scale `γ` (`weight`) and shift `β` (`bias`), as PyTorch names them.
public struct NormalizationInputs<Scalar: TensorScalar>: TensorArguments {
  /// `x`.
  public var input: Tensor<Scalar>
  /// `γ`, or `nil` for none (a scale of 1).
  public var weight: Tensor<Scalar>?
  /// `β`, or `nil` for none (a shift of 0); only with a weight.
  public var bias: Tensor<Scalar>?

  /// Names the inputs.
  ///
  /// - Precondition: a bias comes with a weight.
  @inlinable
  public init(input: Tensor<Scalar>, weight: Tensor<Scalar>? = nil, bias: Tensor<Scalar>? = nil) {
    tensorPrecondition(
      bias == nil || weight != nil, "normalization: a bias needs a weight ([x, γ, β])")
    self.input = input
    self.weight = weight
    self.bias = bias
  }

  /// `[input]`, then `weight` and `bias` if there are.
  @inlinable
  public var tensors: [Tensor<Scalar>] { [input] + [weight, bias].compactMap { $0 } }

  /// Takes `[x]`, `[x, γ]` or `[x, γ, β]`.
  @inlinable
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(
      (1...3).contains(tensors.count),
      "normalization: expected inputs [x], [x, γ] or [x, γ, β], got \(tensors.count) tensors")
    self.init(
      input: tensors[0], weight: tensors.count > 1 ? tensors[1] : nil,
      bias: tensors.count > 2 ? tensors[2] : nil)
  }
}

/// What a normalisation's forward pass keeps for its backward pass: per row (one sample for
/// a layer norm, one group of one sample for a group norm), the mean and `1/√(var + ε)`.
public struct NormalizationStatistics<Scalar: TensorScalar> {
  /// The mean of each row, `[rows]`.
  public var mean: Tensor<Scalar>
  /// The reciprocal standard deviation `1/√(var + ε)` of each row, `[rows]`.
  public var reciprocalDeviation: Tensor<Scalar>

  /// Names the statistics.
  @inlinable
  public init(mean: Tensor<Scalar>, reciprocalDeviation: Tensor<Scalar>) {
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
  }
}

/// Layer normalisation over the trailing `normalizedShape` axes (PyTorch's `nn.LayerNorm`):
/// `y = (x - mean)/√(var + ε)·γ + β`, the mean and the biased variance taken over those axes.
///
/// `x` has shape `[..., normalizedShape]`; `γ` and `β` (optional) have shape `normalizedShape`;
/// `y` has `x`'s shape. Derivative, per row of `n` scalars with `x̂ = (x - mean)·rstd` and
/// `g = dy·γ`: `dx = rstd·(g - mean(g) - x̂·mean(g·x̂))`, `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`.
///
/// *References*: Ba, Kiros and Hinton, "Layer Normalization" (2016).
public struct LayerNormalization<Scalar: TensorScalar>: DifferentiableOperation {
  /// The shape of the trailing axes normalised together.
  public var normalizedShape: [Int]
  /// `ε`, added to the variance.
  public var epsilon: Double

  /// Creates the operation.
  ///
  /// - Precondition: `normalizedShape` is not empty and has no dimension below 1.
  @inlinable
  public init(normalizedShape: [Int], epsilon: Double = 1e-5) {
    tensorPrecondition(
      !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
      "LayerNormalization: normalized shape \(describe(shape: normalizedShape)) must have at "
        + "least one dimension, each at least 1")
    self.normalizedShape = normalizedShape
    self.epsilon = epsilon
  }

  /// The layout of `x`, checking every shape.
  @inlinable
  func layout(_ inputs: NormalizationInputs<Scalar>) -> NormalizationLayout {
    let shape = inputs.input.shape
    tensorPrecondition(
      shape.count >= normalizedShape.count
        && Array(shape.suffix(normalizedShape.count))
          == normalizedShape,
      "LayerNormalization: input of shape \(describe(shape: shape)) does not end with the "
        + "normalized shape \(describe(shape: normalizedShape))")
    for (name, parameter) in [("weight", inputs.weight), ("bias", inputs.bias)] {
      guard let parameter else { continue }
      tensorPrecondition(
        parameter.shape == normalizedShape,
        "LayerNormalization: \(name) of shape \(describe(shape: parameter.shape)) differs from "
          + "the normalized shape \(describe(shape: normalizedShape))")
    }
    let length = normalizedShape.reduce(1, *)
    return NormalizationLayout(
      rows: inputs.input.scalarCount / length, groups: 1, channels: length, inner: 1)
  }

  /// `(x - mean)/√(var + ε)·γ + β`, saving each row's mean and `1/√(var + ε)`.
  @inlinable
  public func forwardSaving(
    _ inputs: NormalizationInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: NormalizationStatistics<Scalar>) {
    normalizationForward(inputs, layout: layout(inputs), epsilon: epsilon)
  }

  /// `(dx, dγ, dβ)`, in one kernel call.
  @inlinable
  public func backward(
    inputs: NormalizationInputs<Scalar>, outputs: Tensor<Scalar>,
    saved: NormalizationStatistics<Scalar>, gradients: consuming Tensor<Scalar>
  ) -> NormalizationInputs<Scalar> {
    normalizationBackward(inputs, saved: saved, gradient: gradients, layout: layout(inputs))
  }
}

/// Group normalisation (PyTorch's `nn.GroupNorm`): the channels of each sample split into
/// `groups` groups of consecutive channels, each group (its channels and all their spatial
/// positions) normalised by its own mean and biased variance, then scaled and shifted per
/// channel: `y = (x - mean)/√(var + ε)·γ[c] + β[c]`.
///
/// `x` has shape `[batch, channels, ...]` (channels second, as in NCHW); `γ` and `β`
/// (optional) have shape `[channels]`; `y` has `x`'s shape. Derivative, per group of `n`
/// scalars with `x̂ = (x - mean)·rstd` and `g = dy·γ[c]`:
/// `dx = rstd·(g - mean(g) - x̂·mean(g·x̂))`, `dγ[c] = Σ dy·x̂`, `dβ[c] = Σ dy` over the batch
/// and the channel's positions.
///
/// *References*: Wu and He, "Group Normalization" (2018).
public struct GroupNormalization<Scalar: TensorScalar>: DifferentiableOperation {
  /// The number of groups; it divides the number of channels.
  public var groups: Int
  /// `ε`, added to the variance.
  public var epsilon: Double

  /// Creates the operation.
  ///
  /// - Precondition: `groups` is at least 1.
  @inlinable
  public init(groups: Int, epsilon: Double = 1e-5) {
    tensorPrecondition(groups > 0, "GroupNormalization: \(groups) groups; expected at least 1")
    self.groups = groups
    self.epsilon = epsilon
  }

  /// The layout of `x`, checking every shape.
  @inlinable
  func layout(_ inputs: NormalizationInputs<Scalar>) -> NormalizationLayout {
    let shape = inputs.input.shape
    tensorPrecondition(
      shape.count >= 2,
      "GroupNormalization: input of shape \(describe(shape: shape)) has rank \(shape.count); "
        + "expected [batch, channels, ...]")
    let channels = shape[1]
    tensorPrecondition(
      channels % groups == 0,
      "GroupNormalization: \(groups) groups do not divide the \(channels) channels of the "
        + "input of shape \(describe(shape: shape))")
    for (name, parameter) in [("weight", inputs.weight), ("bias", inputs.bias)] {
      guard let parameter else { continue }
      tensorPrecondition(
        parameter.shape == [channels],
        "GroupNormalization: \(name) of shape \(describe(shape: parameter.shape)) for "
          + "\(channels) channels; expected [\(channels)]")
    }
    return NormalizationLayout(
      rows: shape[0] * groups, groups: groups, channels: channels / groups,
      inner: shape.dropFirst(2).reduce(1, *))
  }

  /// `(x - mean)/√(var + ε)·γ + β` per group, saving each group's mean and `1/√(var + ε)`.
  @inlinable
  public func forwardSaving(
    _ inputs: NormalizationInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: NormalizationStatistics<Scalar>) {
    normalizationForward(inputs, layout: layout(inputs), epsilon: epsilon)
  }

  /// `(dx, dγ, dβ)`, in one kernel call.
  @inlinable
  public func backward(
    inputs: NormalizationInputs<Scalar>, outputs: Tensor<Scalar>,
    saved: NormalizationStatistics<Scalar>, gradients: consuming Tensor<Scalar>
  ) -> NormalizationInputs<Scalar> {
    normalizationBackward(inputs, saved: saved, gradient: gradients, layout: layout(inputs))
  }
}

/// The forward pass both normalisations share, on a checked layout.
@inlinable
func normalizationForward<Scalar: TensorScalar>(
  _ inputs: NormalizationInputs<Scalar>, layout: NormalizationLayout, epsilon: Double
) -> (outputs: Tensor<Scalar>, saved: NormalizationStatistics<Scalar>) {
  let x = inputs.input
  // Fresh tensors, written by the kernel through their base addresses.
  let mean = Tensor<Scalar>.zeros(shape: [layout.rows])
  let reciprocalDeviation = Tensor<Scalar>.zeros(shape: [layout.rows])
  let output = Tensor<Scalar>(shape: x.shape) { output in
    Scalar._normalizationKernel(
      .forward(
        NormalizationForward(
          x: x.baseAddress, weight: inputs.weight?.baseAddress, bias: inputs.bias?.baseAddress,
          layout: layout, epsilon: epsilon, output: output, mean: mean.baseAddress,
          reciprocalDeviation: reciprocalDeviation.baseAddress)))
  }
  return (output, NormalizationStatistics(mean: mean, reciprocalDeviation: reciprocalDeviation))
}

/// The backward pass both normalisations share, on a checked layout.
@inlinable
func normalizationBackward<Scalar: TensorScalar>(
  _ inputs: NormalizationInputs<Scalar>, saved: NormalizationStatistics<Scalar>,
  gradient: Tensor<Scalar>, layout: NormalizationLayout
) -> NormalizationInputs<Scalar> {
  let parameterShape = inputs.weight?.shape ?? []
  let weightGradient = inputs.weight.map { _ in Tensor<Scalar>.zeros(shape: parameterShape) }
  let biasGradient = inputs.bias.map { _ in Tensor<Scalar>.zeros(shape: parameterShape) }
  let inputGradient = Tensor<Scalar>(shape: inputs.input.shape) { dx in
    runNormalizationBackward(
      inputs, saved: saved, gradient: gradient, layout: layout, inputGradient: dx,
      accumulate: false, weightGradient: weightGradient, biasGradient: biasGradient)
  }
  return NormalizationInputs(input: inputGradient, weight: weightGradient, bias: biasGradient)
}

/// Runs the backward kernel of either normalisation: writes (or with `accumulate` adds) the
/// input's gradient at `inputGradient` unless it is `nil`, and the parameters' gradients into
/// the buffers of `weightGradient` and `biasGradient` (fresh tensors of the parameters' shape).
@inlinable
func runNormalizationBackward<Scalar: TensorScalar>(
  _ inputs: NormalizationInputs<Scalar>, saved: NormalizationStatistics<Scalar>,
  gradient: Tensor<Scalar>, layout: NormalizationLayout,
  inputGradient: UnsafeMutablePointer<Scalar>?, accumulate: Bool,
  weightGradient: Tensor<Scalar>?, biasGradient: Tensor<Scalar>?
) {
  Scalar._normalizationKernel(
    .backward(
      NormalizationBackward(
        x: inputs.input.baseAddress, outputGradient: gradient.baseAddress,
        weight: inputs.weight?.baseAddress, mean: saved.mean.baseAddress,
        reciprocalDeviation: saved.reciprocalDeviation.baseAddress, layout: layout,
        inputGradient: inputGradient, weightGradient: weightGradient?.baseAddress,
        biasGradient: biasGradient?.baseAddress, accumulatesInputGradient: accumulate)))
}
