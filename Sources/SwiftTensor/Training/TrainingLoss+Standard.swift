// The standard losses as `TrainingLoss`es: each wraps its operation with the mean reduction
// (a trainer weights a batch's loss by its size, so it needs the mean over samples).

/// Binary cross-entropy of the model's logits against the batch's targets in `[0, 1]` (the
/// same shape), averaged over elements; see `BinaryCrossEntropyWithLogits`. For binary and
/// multi-label classification with a sigmoid output folded into the loss.
public struct BinaryCrossEntropyLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// The weight of the positive term (1: unweighted).
  public let positiveWeight: Scalar
  /// Creates the loss.
  @inlinable
  public init(positiveWeight: Scalar = 1) { self.positiveWeight = positiveWeight }
  /// "binary cross-entropy".
  public var name: String { "binary cross-entropy" }
  /// "targets", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.targets == nil ? "targets" : nil
  }
  /// The mean binary cross-entropy with logits.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let targets = batch.targets else { batch.missing("targets", for: name) }
    return output.binaryCrossEntropyWithLogits(targets: targets, positiveWeight: positiveWeight)
  }
}

/// Mean absolute error of the model's outputs against the batch's targets (same shape); see
/// `L1Loss`.
public struct MeanAbsoluteErrorLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// Creates the loss.
  @inlinable public init() {}
  /// "mean absolute error".
  public var name: String { "mean absolute error" }
  /// "targets", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.targets == nil ? "targets" : nil
  }
  /// The mean absolute error.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let targets = batch.targets else { batch.missing("targets", for: name) }
    return output.l1Loss(target: Variable(targets, trainable: false))
  }
}

/// Mean Huber loss of the model's outputs against the batch's targets (same shape); see
/// `HuberLoss`.
public struct MeanHuberLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// Where the loss turns from quadratic to linear, positive.
  public let delta: Scalar
  /// Creates the loss.
  @inlinable
  public init(delta: Scalar = 1) { self.delta = delta }
  /// "Huber".
  public var name: String { "Huber" }
  /// "targets", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.targets == nil ? "targets" : nil
  }
  /// The mean Huber loss.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let targets = batch.targets else { batch.missing("targets", for: name) }
    return output.huberLoss(target: Variable(targets, trainable: false), delta: delta)
  }
}

/// Negative log-likelihood of the model's log-probabilities (`[batch, classes]`, such as a
/// `logSoftmax` output) against the batch's class labels, averaged over the batch; see
/// `NegativeLogLikelihood`. The trainer reports accuracy with it by default.
public struct NegativeLogLikelihoodLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// Creates the loss.
  @inlinable public init() {}
  /// "negative log-likelihood".
  public var name: String { "negative log-likelihood" }
  /// "class labels", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.labels == nil ? "class labels" : nil
  }
  /// Accuracy (the largest log-probability is the predicted class).
  public var defaultMetrics: [any Metric<Scalar>] { [Accuracy()] }
  /// The mean negative log-likelihood.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let labels = batch.labels else { batch.missing("class labels", for: name) }
    return output.negativeLogLikelihood(labels: labels)
  }
}

// Generic static functions (as `.ctc()`): a static property cannot be generic, and one per
// scalar type would double these declarations.
extension TrainingLoss {
  /// Binary cross-entropy with logits against targets; see `BinaryCrossEntropyLoss`.
  public static func binaryCrossEntropy<S>(positiveWeight: S = 1) -> Self
  where Self == BinaryCrossEntropyLoss<S> {
    BinaryCrossEntropyLoss(positiveWeight: positiveWeight)
  }

  /// Mean absolute error against targets; see `MeanAbsoluteErrorLoss`.
  public static func meanAbsoluteError<S>() -> Self where Self == MeanAbsoluteErrorLoss<S> {
    MeanAbsoluteErrorLoss()
  }

  /// Mean Huber loss against targets; see `MeanHuberLoss`.
  public static func huber<S>(delta: S = 1) -> Self where Self == MeanHuberLoss<S> {
    MeanHuberLoss(delta: delta)
  }

  /// Negative log-likelihood against class labels; see `NegativeLogLikelihoodLoss`.
  public static func negativeLogLikelihood<S>() -> Self
  where Self == NegativeLogLikelihoodLoss<S> {
    NegativeLogLikelihoodLoss()
  }
}
