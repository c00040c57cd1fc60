extension Trainer {
  /// Trains for `epochs` epochs on `training`, shuffled with a seed derived from the trainer's
  /// seed and the epoch, in batches of `batchSize` (the last one may be smaller); evaluates on
  /// `validation` after each epoch.
  ///
  /// `batchSize: 1` reproduces pytensor's sample-by-sample loop.
  ///
  /// - Precondition: `batchSize > 0`, `training` is not empty, and its labels or targets fit
  ///   the loss (labels for `.softmaxCrossEntropy`, targets for `.meanSquaredError`): the
  ///   message names the loss and what it needs.
  /// - Throws: what a callback throws (a checkpoint that cannot be written).
  @inlinable
  public func fit(
    _ training: Dataset<Scalar>, validation: Dataset<Scalar>? = nil, epochs: Int,
    batchSize: Int, callbacks: [any TrainingCallback] = []
  ) throws -> TrainingHistory {
    tensorPrecondition(batchSize > 0, "Trainer.fit: batch size must be positive, got \(batchSize)")
    tensorPrecondition(training.count > 0, "Trainer.fit: the training set is empty")
    checkFits(training, "training")
    if let validation { checkFits(validation, "validation") }
    // Evaluation is one batch per 256 samples: no gradients, so larger batches cost nothing.
    let validationBatches = validation.map { set in
      set.count == 0 ? [] : set.batches(size: 256, shuffle: false).map(Batch.init)
    }
    // Each batch (this rank's share of it, in data-parallel training) is gathered just before
    // its step (a lazy map), not the whole epoch up front.
    return try fit(epochs: epochs, validation: validationBatches, callbacks: callbacks) { epoch in
      let batches = training.batches(
        size: batchSize, seed: mix(self.seed, UInt64(epoch) &+ 0x5EED))
      return self.localBatches(batches)
    }
  }

  /// Mean loss and accuracy (for classifiers) on a dataset, in evaluation mode.
  public func evaluate(_ dataset: Dataset<Scalar>) -> (loss: Double, accuracy: Double?) {
    let result = evaluateMetrics(dataset)
    return (result.loss, result.metrics["accuracy"])
  }

  /// Mean loss and the mean of every metric, by name, on a dataset, in evaluation mode.
  public func evaluateMetrics(
    _ dataset: Dataset<Scalar>
  ) -> (
    loss: Double, metrics: [String: Double]
  ) {
    guard dataset.count > 0 else { return (.nan, [:]) }
    checkFits(dataset, "evaluation")
    return evaluateMetrics(dataset.batches(size: 256, shuffle: false).map(Batch.init))
  }

  /// Stops with a clear message when a dataset does not fit the loss.
  @usableFromInline
  func checkFits(_ dataset: Dataset<Scalar>, _ role: String) {
    let batch = Batch(dataset)
    if let needed = loss.missingRequirement(in: batch) {
      tensorFailure(
        "Trainer.fit: the \(role) set has \(batch.contentsDescription), but \(loss.name) needs "
          + needed)
    }
  }
}
