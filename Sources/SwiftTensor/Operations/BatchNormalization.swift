// Batch normalisation, fused: one kernel call forward (statistics and output), one backward
// (input, weight and bias gradients), the loops in `Kernels/BatchNormalizationKernels.swift`.

/// What a batch normalisation's forward pass keeps for its backward pass and gives the layer
/// that updates its running statistics: per channel, the mean, `1/√(var + ε)` and the unbiased
/// variance.
public struct BatchNormalizationStatistics<Scalar: TensorScalar> {
  /// The mean of each channel, `[channels]`: the batch's in training, the running one in
  /// evaluation.
  public var mean: Tensor<Scalar>
  /// `1/√(var + ε)` of each channel, `[channels]`, with the biased batch variance in training
  /// (as PyTorch normalises) and the running variance in evaluation.
  public var reciprocalDeviation: Tensor<Scalar>
  /// The unbiased variance (`n/(n - 1)` times the biased one) of each channel, `[channels]`,
  /// in training; the running variance in evaluation.
  public var variance: Tensor<Scalar>

  /// Names the statistics.
  @inlinable
  public init(
    mean: Tensor<Scalar>, reciprocalDeviation: Tensor<Scalar>, variance: Tensor<Scalar>
  ) {
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
    self.variance = variance
  }
}

/// Batch normalisation (PyTorch's `nn.BatchNorm1d`/`nn.BatchNorm2d`): each channel normalised
/// by its mean and biased variance over the batch and every spatial position, then scaled and
/// shifted per channel: `y = (x - mean[c])/√(var[c] + ε)·γ[c] + β[c]`.
///
/// `x` has shape `[batch, channels]`, `[batch, channels, length]` or
/// `[batch, channels, height, width]` (channels second); `γ` and `β` (optional) have shape
/// `[channels]`; `y` has `x`'s shape. In `.training` the statistics are the batch's; in
/// `.evaluation` they are the given running ones, so `y` is a per-channel scale and shift of
/// `x`. Derivative, per channel of `n` scalars with `x̂ = (x - mean)·rstd`: in training
/// `dx = rstd·γ·(dy - mean(dy) - x̂·mean(dy·x̂))`, in evaluation `dx = rstd·γ·dy`; in both
/// `dγ[c] = Σ dy·x̂` and `dβ[c] = Σ dy`. Forward and backward are each one kernel call of
/// O(batch · channels · spatial) work: forward reads `x` three times in training (once in
/// evaluation), backward reads `x` and `dy` twice.
///
/// *References*: Ioffe and Szegedy, "Batch Normalization: Accelerating Deep Network Training
/// by Reducing Internal Covariate Shift" (2015).
public struct BatchNormalization<Scalar: TensorScalar>: DifferentiableOperation {
  /// Where the statistics come from.
  public enum Mode {
    /// The batch's own statistics, which the gradient flows through.
    case training
    /// Given running statistics, each of shape `[channels]`: constants of the operation.
    case evaluation(runningMean: Tensor<Scalar>, runningVariance: Tensor<Scalar>)
  }

  /// Where the statistics come from.
  public var mode: Mode
  /// `ε`, added to the variance.
  public var epsilon: Double

  /// Creates the operation.
  @inlinable
  public init(mode: Mode, epsilon: Double = 1e-5) {
    self.mode = mode
    self.epsilon = epsilon
  }

  /// Whether the statistics are the batch's.
  @inlinable
  var isTraining: Bool {
    if case .training = mode { return true }
    return false
  }

  /// The layout of `x`, checking every shape.
  @inlinable
  func layout(_ inputs: NormalizationInputs<Scalar>) -> BatchNormalizationLayout {
    let shape = inputs.input.shape
    tensorPrecondition(
      (2...4).contains(shape.count),
      "BatchNormalization: input of shape \(describe(shape: shape)) has rank \(shape.count); "
        + "expected [batch, channels], [batch, channels, length] or "
        + "[batch, channels, height, width]")
    let channels = shape[1]
    var given = [("weight", inputs.weight), ("bias", inputs.bias)]
    if case .evaluation(let mean, let variance) = mode {
      given += [("running mean", mean), ("running variance", variance)]
    }
    for (name, parameter) in given {
      guard let parameter else { continue }
      tensorPrecondition(
        parameter.shape == [channels],
        "BatchNormalization: \(name) of shape \(describe(shape: parameter.shape)) for "
          + "\(channels) channels; expected [\(channels)]")
    }
    let layout = BatchNormalizationLayout(
      batch: shape[0], channels: channels, inner: shape.dropFirst(2).reduce(1, *))
    tensorPrecondition(
      !isTraining || layout.perChannel > 1,
      "BatchNormalization: expected more than 1 value per channel when training, got input "
        + "of shape \(describe(shape: shape))")
    return layout
  }

  /// `(x - mean)/√(var + ε)·γ + β` per channel, saving the statistics.
  @inlinable
  public func forwardSaving(
    _ inputs: NormalizationInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: BatchNormalizationStatistics<Scalar>) {
    let layout = layout(inputs)
    let x = inputs.input
    var running: (mean: Tensor<Scalar>, variance: Tensor<Scalar>)?
    if case .evaluation(let mean, let variance) = mode { running = (mean, variance) }
    // Fresh tensors, written by the kernel through their base addresses.
    let mean = Tensor<Scalar>.zeros(shape: [layout.channels])
    let reciprocalDeviation = Tensor<Scalar>.zeros(shape: [layout.channels])
    let variance = Tensor<Scalar>.zeros(shape: [layout.channels])
    let output = Tensor<Scalar>(shape: x.shape) { output in
      Scalar._batchNormalizationKernel(
        .forward(
          BatchNormalizationForward(
            x: x.baseAddress, weight: inputs.weight?.baseAddress, bias: inputs.bias?.baseAddress,
            runningMean: running?.mean.baseAddress, runningVariance: running?.variance.baseAddress,
            layout: layout, epsilon: epsilon, output: output, mean: mean.baseAddress,
            reciprocalDeviation: reciprocalDeviation.baseAddress, variance: variance.baseAddress)))
    }
    let statistics = BatchNormalizationStatistics(
      mean: mean, reciprocalDeviation: reciprocalDeviation, variance: variance)
    return (output, statistics)
  }

  /// `(dx, dγ, dβ)`, in one kernel call.
  @inlinable
  public func backward(
    inputs: NormalizationInputs<Scalar>, outputs: Tensor<Scalar>,
    saved: BatchNormalizationStatistics<Scalar>, gradients: consuming Tensor<Scalar>
  ) -> NormalizationInputs<Scalar> {
    let layout = layout(inputs)
    let gradient = gradients
    let weightGradient = inputs.weight.map { _ in Tensor<Scalar>.zeros(shape: [layout.channels]) }
    let biasGradient = inputs.bias.map { _ in Tensor<Scalar>.zeros(shape: [layout.channels]) }
    let inputGradient = Tensor<Scalar>(shape: inputs.input.shape) { dx in
      Scalar._batchNormalizationKernel(
        .backward(
          BatchNormalizationBackward(
            x: inputs.input.baseAddress, outputGradient: gradient.baseAddress,
            weight: inputs.weight?.baseAddress, mean: saved.mean.baseAddress,
            reciprocalDeviation: saved.reciprocalDeviation.baseAddress, layout: layout,
            training: isTraining, inputGradient: dx, weightGradient: weightGradient?.baseAddress,
            biasGradient: biasGradient?.baseAddress)))
    }
    return NormalizationInputs(input: inputGradient, weight: weightGradient, bias: biasGradient)
  }
}
