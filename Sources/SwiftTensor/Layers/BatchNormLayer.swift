// The batch normalisation layer. Its parameters and buffers carry PyTorch's names (`weight`,
// `bias`, `running_mean`, `running_var`), so that a PyTorch state dictionary's tensors map onto
// them by name: `bn.running_mean` is `batchnorm_0/running_mean`. PyTorch's third buffer,
// `num_batches_tracked`, is an `I64` counter that only its `momentum=None` mode reads; there is
// no such mode here, so a non-strict `Model.load` skips it.

/// Batch normalisation (PyTorch's `nn.BatchNorm1d`/`nn.BatchNorm2d`): each of the `channels`
/// normalised by its statistics, then a learned per-channel scale `weight` and shift `bias`
/// of shape `[channels]` when `affine`.
///
/// Input `[batch, channels]`, `[batch, channels, length]` or `[batch, channels, height,
/// width]`; output of the same shape; see `BatchNormalization` for the formula and its
/// derivative. In training (`LayerContext.isTraining`) the batch's mean and biased variance
/// normalise, and the buffers `runningMean` and `runningVariance` are updated as PyTorch does,
/// `running = (1 - momentum)·running + momentum·batch` with the unbiased variance; in
/// evaluation the running statistics normalise. `weight` starts at 1, `bias` at 0, the running
/// mean at 0 and the running variance at 1. Each call is one fused kernel pass each way,
/// O(batch · channels · spatial).
public struct BatchNorm<Scalar: TensorScalar>: Layer {
  /// The number of channels the input has (its second dimension).
  public let channels: Int
  /// The weight of the newest batch in the running statistics.
  public let momentum: Double
  /// `ε`, added to the variance.
  public let epsilon: Double
  /// The scale `γ`, of shape `[channels]`, or `nil` without `affine`.
  public let weight: Variable<Scalar>?
  /// The shift `β`, of shape `[channels]`, or `nil` without `affine`.
  public let bias: Variable<Scalar>?
  /// The running mean, `[channels]`: a buffer, saved in checkpoints but not trained.
  public let runningMean: Variable<Scalar>
  /// The running (unbiased) variance, `[channels]`: a buffer, saved but not trained.
  public let runningVariance: Variable<Scalar>

  /// Creates the layer.
  ///
  /// - Precondition: `channels` is positive and `momentum` lies in `0...1`.
  @inlinable
  public init(channels: Int, momentum: Double = 0.1, epsilon: Double = 1e-5, affine: Bool = true) {
    tensorPrecondition(
      channels > 0, "BatchNorm: \(channels) channels; expected at least 1")
    tensorPrecondition(
      (0...1).contains(momentum), "BatchNorm: momentum \(momentum); expected a value in 0...1")
    self.channels = channels
    self.momentum = momentum
    self.epsilon = epsilon
    weight = affine ? Variable(.ones(shape: [channels]), name: "weight") : nil
    bias = affine ? Variable(.zeros(shape: [channels]), name: "bias") : nil
    runningMean = Variable(.zeros(shape: [channels]), name: "running_mean", trainable: false)
    runningVariance = Variable(.ones(shape: [channels]), name: "running_var", trainable: false)
  }

  /// `(x - mean)/√(var + ε)·weight[c] + bias[c]` per channel, with the batch's statistics
  /// (updating the running ones) in training and the running ones in evaluation.
  ///
  /// - Precondition: the input has rank 2 to 4 and `channels` channels; in training, each
  ///   channel has more than one value.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let shape = input.value.shape
    tensorPrecondition(
      (2...4).contains(shape.count),
      layerPathPrefix(runningMean) + "BatchNorm: input of shape \(describe(shape: shape)) has "
        + "rank \(shape.count); expected [batch, \(channels)], [batch, \(channels), length] or "
        + "[batch, \(channels), height, width]")
    tensorPrecondition(
      shape[1] == channels,
      layerPathPrefix(runningMean) + "BatchNorm: input of shape \(describe(shape: shape)) has "
        + "\(shape[1]) channels; expected [batch, \(channels), ...] for a layer of \(channels) "
        + "channels")
    tensorPrecondition(
      !context.isTraining || shape[0] * shape.dropFirst(2).reduce(1, *) > 1,
      layerPathPrefix(runningMean) + "BatchNorm: expected more than 1 value per channel when "
        + "training, got input of shape \(describe(shape: shape))")
    return input.batchNormalized(
      weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
      momentum: momentum, epsilon: epsilon, training: context.isTraining)
  }

  /// `weight` (initialised to 1) and `bias` (to 0), and the buffers `running_mean` (0) and
  /// `running_var` (1).
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("batchnorm") { scope in
      if let weight { scope.add("weight", weight, initializer: .constant(1)) }
      if let bias { scope.add("bias", bias, initializer: .constant(0)) }
      scope.addBuffer("running_mean", runningMean, initializer: .constant(0))
      scope.addBuffer("running_var", runningVariance, initializer: .constant(1))
    }
  }
}
