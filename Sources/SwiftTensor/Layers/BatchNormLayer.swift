// The batch normalisation layer. Its parameters and buffers carry PyTorch's names (`weight`,
// `bias`, `running_mean`, `running_var`, `num_batches_tracked`), so that a PyTorch state
// dictionary's tensors map onto them by name: `bn.running_mean` is `batchnorm_0/running_mean`.
// PyTorch keeps `num_batches_tracked` whenever it tracks running statistics, but only its
// `momentum=None` mode reads it; here it is a buffer only in that mode, so that the checkpoints
// of every other batch norm keep their tensors (old files still load) and a non-strict
// `Model.load` skips PyTorch's counter there, as it did before the mode existed.

/// Batch normalisation (PyTorch's `nn.BatchNorm1d`/`nn.BatchNorm2d`): each of the `channels`
/// normalised by its statistics, then a learned per-channel scale `weight` and shift `bias`
/// of shape `[channels]` when `affine`.
///
/// Input `[batch, channels]`, `[batch, channels, length]` or `[batch, channels, height,
/// width]`; output of the same shape; see `BatchNormalization` for the formula and its
/// derivative. In training (`LayerContext.isTraining`) the batch's mean and biased variance
/// normalise, and the buffers `runningMean` and `runningVariance` are updated as PyTorch does,
/// `running = (1 - m)·running + m·batch` with the unbiased variance, where `m` is `momentum`,
/// or `1/n` for the `n`-th training batch when `momentum` is `nil` (the plain average of every
/// batch's statistics, counted by the buffer `batchesTracked`); in evaluation the running
/// statistics normalise. Without `trackRunningStatistics` there are no buffers at all and the
/// batch's statistics normalise in evaluation too, differentiated as in training. `weight`
/// starts at 1, `bias` at 0, the running mean at 0, the running variance at 1 and the counter at
/// 0. Each call is one fused kernel pass each way, O(batch · channels · spatial).
public struct BatchNorm<Scalar: TensorScalar>: Layer {
  /// The number of channels the input has (its second dimension).
  public let channels: Int
  /// The weight of the newest batch in the running statistics, or `nil` for their plain
  /// average over every training batch (PyTorch's `momentum=None`).
  public let momentum: Double?
  /// `ε`, added to the variance.
  public let epsilon: Double
  /// The scale `γ`, of shape `[channels]`, or `nil` without `affine`.
  public let weight: Variable<Scalar>?
  /// The shift `β`, of shape `[channels]`, or `nil` without `affine`.
  public let bias: Variable<Scalar>?
  /// The running mean, `[channels]`: a buffer, saved in checkpoints but not trained; `nil`
  /// without `trackRunningStatistics`.
  public let runningMean: Variable<Scalar>?
  /// The running (unbiased) variance, `[channels]`: a buffer, saved but not trained; `nil`
  /// without `trackRunningStatistics`.
  public let runningVariance: Variable<Scalar>?
  /// The number of training batches averaged so far, shape `[]` (PyTorch's
  /// `num_batches_tracked`, an integer held in `Scalar`): a buffer, present only when
  /// `momentum` is `nil` and running statistics are tracked.
  public let batchesTracked: Variable<Scalar>?

  /// Whether running statistics are kept (PyTorch's `track_running_stats`).
  @inlinable
  public var trackRunningStatistics: Bool { runningMean != nil }

  /// Creates the layer.
  ///
  /// - Parameters:
  ///   - channels: the input's second dimension.
  ///   - momentum: the weight of the newest batch in the running statistics, in `0...1`, or
  ///     `nil` for their plain average over every training batch.
  ///   - epsilon: `ε`, added to the variance.
  ///   - affine: whether the learned `weight` and `bias` scale and shift the result.
  ///   - trackRunningStatistics: whether running statistics are kept and normalise in
  ///     evaluation; without them the batch's own statistics normalise in both modes.
  /// - Precondition: `channels` is positive and `momentum`, when given, lies in `0...1`.
  @inlinable
  public init(
    channels: Int, momentum: Double? = 0.1, epsilon: Double = 1e-5, affine: Bool = true,
    trackRunningStatistics: Bool = true
  ) {
    tensorPrecondition(
      channels > 0, "BatchNorm: \(channels) channels; expected at least 1")
    if let momentum {
      tensorPrecondition(
        (0...1).contains(momentum),
        "BatchNorm: momentum \(momentum); expected a value in 0...1 or nil (a plain average)")
    }
    self.channels = channels
    self.momentum = momentum
    self.epsilon = epsilon
    weight = affine ? Variable(.ones(shape: [channels]), name: "weight") : nil
    bias = affine ? Variable(.zeros(shape: [channels]), name: "bias") : nil
    guard trackRunningStatistics else {
      (runningMean, runningVariance, batchesTracked) = (nil, nil, nil)
      return
    }
    runningMean = Variable(.zeros(shape: [channels]), name: "running_mean", trainable: false)
    runningVariance = Variable(.ones(shape: [channels]), name: "running_var", trainable: false)
    batchesTracked =
      momentum == nil
      ? Variable(Tensor(shape: [], scalars: [0]), name: "num_batches_tracked", trainable: false)
      : nil
  }

  /// `(x - mean)/√(var + ε)·weight[c] + bias[c]` per channel, with the batch's statistics
  /// (updating the running ones) in training and the running ones in evaluation, or the
  /// batch's in both without running statistics.
  ///
  /// - Parameters:
  ///   - input: `[batch, channels]`, `[batch, channels, length]` or
  ///     `[batch, channels, height, width]`.
  ///   - context: the mode; training updates the running statistics.
  /// - Precondition: the input has rank 2 to 4 and `channels` channels; when the batch's
  ///   statistics normalise, each channel has more than one value.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let shape = input.value.shape
    let prefix = (runningMean ?? weight).map { layerPathPrefix($0) } ?? ""
    tensorPrecondition(
      (2...4).contains(shape.count),
      prefix + "BatchNorm: input of shape \(describe(shape: shape)) has "
        + "rank \(shape.count); expected [batch, \(channels)], [batch, \(channels), length] or "
        + "[batch, \(channels), height, width]")
    tensorPrecondition(
      shape[1] == channels,
      prefix + "BatchNorm: input of shape \(describe(shape: shape)) has "
        + "\(shape[1]) channels; expected [batch, \(channels), ...] for a layer of \(channels) "
        + "channels")
    let batchStatistics = context.isTraining || !trackRunningStatistics
    tensorPrecondition(
      !batchStatistics || shape[0] * shape.dropFirst(2).reduce(1, *) > 1,
      prefix + "BatchNorm: expected more than 1 value per channel when "
        + (context.isTraining ? "training" : "normalising by batch statistics (no running ones)")
        + ", got input of shape \(describe(shape: shape))")
    guard let runningMean, let runningVariance else {
      return input.batchNormalized(weight: weight, bias: bias, epsilon: epsilon)
    }
    var factor = momentum ?? 0
    if context.isTraining, let batchesTracked {
      // Rounded: a data-parallel average of equal counters may come back an ulp off.
      let count = batchesTracked.value.scalars[0].rounded() + 1
      batchesTracked.value = Tensor(shape: [], scalars: [count])
      factor = 1 / Double(count)
    }
    return input.batchNormalized(
      weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
      momentum: factor, epsilon: epsilon, training: context.isTraining)
  }

  /// `weight` (initialised to 1) and `bias` (to 0), and the buffers `running_mean` (0),
  /// `running_var` (1) and `num_batches_tracked` (0) when present.
  ///
  /// - Parameter registrar: the registrar that collects them under `batchnorm_k`.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("batchnorm") { scope in
      if let weight { scope.add("weight", weight, initializer: .constant(1)) }
      if let bias { scope.add("bias", bias, initializer: .constant(0)) }
      if let runningMean { scope.addBuffer("running_mean", runningMean, initializer: .constant(0)) }
      if let runningVariance {
        scope.addBuffer("running_var", runningVariance, initializer: .constant(1))
      }
      if let batchesTracked {
        scope.addBuffer("num_batches_tracked", batchesTracked, initializer: .constant(0))
      }
    }
  }
}
