// The spellings of `BatchNormalization` on variables (recorded, updating the running
// statistics in training) and on tensors (computed only).

extension Variable {
  /// Batch normalisation of `[batch, channels, ...]` per channel (see `BatchNormalization`),
  /// with per-channel `weight` and `bias` (optional) of shape `[channels]`; the result has this
  /// variable's shape.
  ///
  /// In `training` the batch's statistics normalise, and the running ones are updated in place
  /// as PyTorch does: `running = (1 - momentum)·running + momentum·batch`, with the unbiased
  /// variance for `runningVariance`. Otherwise `runningMean` and `runningVariance` normalise
  /// and are left alone. Neither receives a gradient.
  ///
  /// - Precondition: the input has rank 2 to 4; `weight`, `bias`, `runningMean` and
  ///   `runningVariance` have shape `[channels]`; in training, each channel has more than one
  ///   value; a bias comes with a weight.
  @inlinable
  public consuming func batchNormalized(
    weight: Variable? = nil, bias: Variable? = nil, runningMean: Variable,
    runningVariance: Variable, momentum: Double = 0.1, epsilon: Double = 1e-5, training: Bool
  ) -> Variable {
    guard training else {
      let operation = BatchNormalization<Scalar>(
        mode: .evaluation(runningMean: runningMean.value, runningVariance: runningVariance.value),
        epsilon: epsilon)
      return operation.apply(to: normalizationInputs(self, weight, bias, operation.name))[0]
    }
    let operation = BatchNormalization<Scalar>(mode: .training, epsilon: epsilon)
    let channels = value.rank >= 2 ? value.shape[1] : 0
    for (name, statistic) in [("running mean", runningMean), ("running variance", runningVariance)]
    where value.rank >= 2 {
      tensorPrecondition(
        statistic.value.shape == [channels],
        "BatchNormalization: \(name) of shape \(describe(shape: statistic.value.shape)) for "
          + "\(channels) channels; expected [\(channels)]")
    }
    // `apply(to:)`'s record, written out so that the statistics the forward pass saved reach
    // the running averages without a second pass over the input.
    let inputs = normalizationInputs(self, weight, bias, operation.name)
    let values = NormalizationInputs<Scalar>(tensors: inputs.map { $0.value })
    let (output, saved) = operation.forwardSaving(values)
    let keep = Scalar(1 - momentum)
    let take = Scalar(momentum)
    runningMean.value = runningMean.value * keep + saved.mean * take
    runningVariance.value = runningVariance.value * keep + saved.variance * take
    return operation.record(
      VariableList(inputs), keeping: (values, saved), outputs: output.tensors
    ) { inputs, kept, outputs in
      OperationTapeEntry(operation: operation, inputs: inputs, kept: kept, outputs: outputs)
    }.variables[0]
  }
}

extension Variable {
  /// Batch normalisation of `[batch, channels, ...]` by the batch's own statistics, with no
  /// running statistics (PyTorch's `track_running_stats=False`), recorded so that the gradient
  /// flows through the statistics (see `BatchNormalization`).
  ///
  /// - Parameters:
  ///   - weight: the per-channel scale, `[channels]`, or `nil`.
  ///   - bias: the per-channel shift, `[channels]`, or `nil`; it comes with a weight.
  ///   - epsilon: `ε`, added to the variance.
  /// - Precondition: rank 2 to 4, parameters of shape `[channels]`, more than one value per
  ///   channel.
  @inlinable
  public consuming func batchNormalized(
    weight: Variable? = nil, bias: Variable? = nil, epsilon: Double = 1e-5
  ) -> Variable {
    let operation = BatchNormalization<Scalar>(mode: .training, epsilon: epsilon)
    return operation.apply(to: normalizationInputs(self, weight, bias, operation.name))[0]
  }
}

extension Tensor {
  /// Batch normalisation of `[batch, channels, ...]` with the batch's own statistics (see
  /// `BatchNormalization`), with per-channel `weight` and `bias` (optional) of shape
  /// `[channels]`.
  ///
  /// - Precondition: rank 2 to 4, parameters of shape `[channels]`, more than one value per
  ///   channel.
  @inlinable
  public func batchNormalized(
    weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5
  ) -> Tensor {
    BatchNormalization(mode: .training, epsilon: epsilon)
      .forwardSaving(NormalizationInputs(input: self, weight: weight, bias: bias)).outputs
  }

  /// Batch normalisation of `[batch, channels, ...]` with given running statistics (the
  /// evaluation mode of `BatchNormalization`): `(x - runningMean)/√(runningVariance + ε)·weight
  /// + bias` per channel, every argument of shape `[channels]`.
  ///
  /// - Precondition: rank 2 to 4 and every argument of shape `[channels]`.
  @inlinable
  public func batchNormalized(
    weight: Tensor? = nil, bias: Tensor? = nil, runningMean: Tensor, runningVariance: Tensor,
    epsilon: Double = 1e-5
  ) -> Tensor {
    BatchNormalization(
      mode: .evaluation(runningMean: runningMean, runningVariance: runningVariance),
      epsilon: epsilon
    ).forwardSaving(NormalizationInputs(input: self, weight: weight, bias: bias)).outputs
  }
}
