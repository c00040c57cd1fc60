// Data-parallel training: every rank holds a replica of the model, trains on its shard of each
// global batch, and the gradients are summed across ranks so that every replica takes the
// step one process would take on the whole batch.

extension Trainer {
  /// The processes training together: `Communicator.singleProcess` until
  /// `distribute(over:bucketBytes:)` is given another.
  public var communicator: Communicator { dataParallel?.communicator ?? .singleProcess }

  /// Makes this trainer one replica of a data-parallel job over `communicator`; call it on
  /// every rank, in the same order relative to other collectives, before training.
  ///
  /// The parameters and buffers are broadcast from rank 0, so every replica starts from rank
  /// 0's model; only rank 0 reports progress and writes checkpoints. Then:
  ///
  /// - `fit(_:validation:epochs:batchSize:)` draws the same shuffle on every rank and gives
  ///   each rank a contiguous share of every global batch of `batchSize` samples (the shares
  ///   differ by at most one sample; a rank may get none of a short last batch).
  /// - Each step's gradients are summed across ranks, each rank's weighted by its share's
  ///   sample count, and divided by the global batch's: the mean gradient of the global batch,
  ///   as one process computes it, up to rounding. Buffers (running statistics) are combined
  ///   the same way; the loss the step returns is the global batch's mean.
  /// - The gradients travel in buckets of at most `bucketBytes`, reduced after the backward
  ///   pass; the sample count, loss and buffers ride in the first, so a model whose gradients
  ///   fit one bucket costs one allreduce per step.
  /// - Epoch losses and metrics, and validation (each rank evaluates every `size`-th batch),
  ///   are summed across ranks: every rank's history holds the global figures.
  /// - `trainStep(on:)` and `fit(epochs:trainingBatches:validation:callbacks:)` take this
  ///   rank's own batches (its share; an empty one is allowed) and reduce the same way.
  /// - `resume(from:)` is called on every rank and reads the file on each: on several
  ///   machines it must be on a shared file system or copied to each.
  ///
  /// Dropout masks differ between ranks (the step's seed is mixed with the rank), and batch
  /// normalisation normalises each rank's share by the share's own statistics (as PyTorch's
  /// data-parallel training does without synchronised batch normalisation), so a model with
  /// either is not step-for-step the one-process model. A collective that fails during
  /// training stops the whole job (`Communicator.abort`): the replicas can no longer agree.
  ///
  /// - Parameters:
  ///   - communicator: the processes training together.
  ///   - bucketBytes: the largest bucket of gradients one allreduce carries, in bytes.
  /// - Throws: `DistributedError` when the broadcast fails.
  /// - Precondition: `bucketBytes` is positive.
  public func distribute(
    over communicator: Communicator, bucketBytes: Int = gradientBucketBytes
  ) throws(DistributedError) {
    tensorPrecondition(
      bucketBytes > 0, "Trainer.distribute: bucketBytes must be positive, got \(bucketBytes)")
    for variable in parameterVariables + bufferVariables {
      try communicator.broadcast(&variable.value, from: 0)
    }
    dataParallel =
      communicator.isDistributed
      ? DataParallelState(
        communicator: communicator, parameterCounts: parameterVariables.map(\.value.scalarCount),
        bufferCounts: bufferVariables.map(\.value.scalarCount),
        bucketBytes: bucketBytes)
      : nil
    if communicator.rank != 0 { reportsProgress = false }
  }

  /// The default largest bucket of gradients one allreduce carries, in bytes (4 MiB): large enough
  /// that the per-call latency is a small part of a bucket's time, small enough that the
  /// scratch buffer stays modest.
  public static var gradientBucketBytes: Int { 4 << 20 }

  /// Sums the ranks' gradients, buffers and losses weighted by their sample counts and
  /// divides by the global count; returns the global batch's mean loss. Stops the job when a
  /// collective fails.
  @usableFromInline
  func reduceStep(loss: Scalar, count: Int) -> Scalar {
    guard let state = dataParallel else { return loss }
    do throws(DistributedError) {
      return try state.reduce(
        parameters: parameterVariables, buffers: bufferVariables, loss: loss, count: count)
    } catch {
      state.communicator.abort("step \(stepCount): the gradient allreduce failed: \(error)")
    }
  }

  /// The step of a rank whose share of the global batch is empty: zero gradients, so that it
  /// adds nothing to the sum, and an empty output.
  @usableFromInline
  func idleStep() -> (loss: Scalar, output: Tensor<Scalar>) {
    for variable in parameterVariables { variable.zeroGradientKeepingBuffer() }
    return (0, Tensor(shape: [0], scalars: []))
  }

  /// Sums an epoch's loss and metric totals and sample count across ranks.
  @usableFromInline
  func reduceEpoch(_ lossSum: inout Double, _ sums: inout MetricSums<Scalar>) {
    guard let state = dataParallel else { return }
    var values = [lossSum, Double(sums.count)] + sums.sums
    do throws(DistributedError) {
      try state.communicator.allreduceSum(&values)
    } catch {
      state.communicator.abort("epoch \(epochCount + 1): the metrics allreduce failed: \(error)")
    }
    lossSum = values[0]
    sums.count = Int(values[1])
    sums.sums = Array(values[2...])
  }

  /// `evaluateMetrics(batches)` on every `size`-th batch from this rank's, summed across ranks.
  @usableFromInline
  func evaluateAcrossRanks(_ batches: [Batch<Scalar>]) -> (loss: Double, metrics: [String: Double])
  {
    guard let state = dataParallel else { return evaluateMetrics(batches) }
    let communicator = state.communicator
    var total = 0.0
    var sums = MetricSums(metrics)
    for index in stride(from: communicator.rank, to: batches.count, by: communicator.size) {
      let batch = batches[index]
      guard batch.count > 0 else { continue }
      let output = model.forward(
        Variable(batch.inputs, trainable: false), context: LayerContext(isTraining: false, seed: 0))
      total += Double(loss(output, batch).value.scalar) * Double(batch.count)
      sums.add(output.value, batch)
    }
    reduceEpoch(&total, &sums)
    return (sums.count > 0 ? total / Double(sums.count) : .nan, sums.means)
  }

  /// This rank's share of each global batch of `batches`, built when the step reaches it,
  /// and the number of samples this rank sees in the epoch.
  @inlinable
  func localBatches(
    _ batches: Dataset<Scalar>.Batches
  ) -> (batches: LazyMapSequence<Range<Int>, Batch<Scalar>>, samples: Int) {
    let (rank, size) = (communicator.rank, communicator.size)
    guard size > 1 else {
      return (batches.indices.lazy.map { Batch(batches[$0]) }, batches.order.count)
    }
    func share(_ position: Int) -> ArraySlice<Int> {
      let start = position * batches.size
      let global = batches.order[start..<min(start + batches.size, batches.order.count)]
      let range = shareRange(count: global.count, rank: rank, size: size)
      return global[(start + range.lowerBound)..<(start + range.upperBound)]
    }
    let samples = batches.indices.reduce(0) { $0 + share($1).count }
    return (
      batches.indices.lazy.map { Batch(batches.dataset.subset(Array(share($0)))) }, samples
    )
  }
}

/// The positions of rank `rank`'s share of `count` samples split between `size` ranks:
/// contiguous, in rank order, their lengths differing by at most one.
@usableFromInline
func shareRange(count: Int, rank: Int, size: Int) -> Range<Int> {
  (rank * count / size)..<((rank + 1) * count / size)
}
