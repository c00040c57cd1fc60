/// How a loss combines its per-sample values.
public enum LossReduction: Sendable {
  /// The mean over samples (the default).
  case mean
  /// The sum over samples.
  case sum
  /// No reduction: one loss per sample.
  case none
}

/// Softmax cross-entropy of logits against integer class labels, fused: computed from
/// log-softmax (natural log), so it is finite for any finite logits.
///
/// Input: logits of shape `[batch, classes]`. Output: a scalar (mean or sum over the batch) or
/// the `[batch]` per-sample losses. Derivative: `(softmax(logits) - onehot(labels))·dy`,
/// divided by the batch size for the mean.
public struct SoftmaxCrossEntropy<Scalar: TensorScalar>: DifferentiableOperation {
  /// The class of each sample, in `0..<classes`.
  public var labels: [Int]
  /// How per-sample losses are combined.
  public var reduction: LossReduction

  /// Creates the loss for the given labels.
  @inlinable
  public init(labels: [Int], reduction: LossReduction = .mean) {
    self.labels = labels
    self.reduction = reduction
  }

  /// The loss, saving the probabilities for backward.
  @inlinable
  public func forwardSaving(
    _ logits: Tensor<Scalar>
  ) -> (
    outputs: Tensor<Scalar>, saved: Tensor<Scalar>
  ) {
    tensorPrecondition(
      logits.rank == 2,
      "SoftmaxCrossEntropy: logits of shape \(describe(shape: logits.shape)); expected "
        + "[batch, classes]")
    let (batch, classes) = (logits.shape[0], logits.shape[1])
    tensorPrecondition(
      labels.count == batch,
      "SoftmaxCrossEntropy: \(labels.count) labels for logits of shape "
        + "\(describe(shape: logits.shape)); expected \(batch)")
    for (sample, label) in labels.enumerated() where !(0..<classes).contains(label) {
      tensorFailure(
        "SoftmaxCrossEntropy: label \(label) of sample \(sample) is out of range for "
          + "\(classes) classes (logits of shape \(describe(shape: logits.shape)))")
    }
    // One log-softmax pass; the losses are read from it, then it becomes the probabilities in
    // place (no further tensors: this runs once per training step, often on a tiny batch).
    var probabilities = logits.logSoftmax(axis: 1)
    let output = Tensor<Scalar>(shape: reduction == .none ? [batch] : []) { losses in
      crossEntropyLosses(
        logProbabilities: probabilities.baseAddress, classes: classes, labels: labels,
        perSample: reduction == .none, divisor: reduction == .mean ? Double(batch) : 1,
        into: losses)
    }
    probabilities.formApplying(.exp)
    return (output, probabilities)
  }

  /// `(p - onehot)·dy`, in one pass.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved probabilities: Tensor<Scalar>,
    gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let batch = Swift.max(inputs.shape[0], 1)
    return Tensor(shape: inputs.shape) { logitGradients in
      crossEntropyGradients(
        probabilities: probabilities.baseAddress, classes: inputs.shape[1], labels: labels,
        outputGradients: gradients.baseAddress, perSample: reduction == .none,
        divisor: reduction == .mean ? Scalar(batch) : 1, into: logitGradients)
    }
  }
}

/// Squared error between a prediction and a target of the same shape.
///
/// `.mean` (the default) is the mean squared error; `.sum` is pytensor's `0.5·Σ(p - t)²`, whose
/// gradient is simply `p - t`; `.none` gives `(p - t)²` element-wise.
/// Derivative: `dp = 2(p - t)/n·dy` for the mean, `(p - t)·dy` for the half sum; `dt = -dp`.
public struct SquareLoss<Scalar: TensorScalar>: BinaryOperation {
  /// How the squared errors are combined.
  public var reduction: LossReduction
  /// Creates the loss; `.sum` means pytensor's half sum of squares.
  @inlinable
  public init(reduction: LossReduction = .mean) { self.reduction = reduction }
  /// The loss.
  @inlinable
  public func forward(_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar> {
    tensorPrecondition(
      prediction.shape == target.shape,
      "SquareLoss: prediction of shape \(describe(shape: prediction.shape)) and target of shape "
        + "\(describe(shape: target.shape)) differ")
    let squares = (prediction - target).squared()
    switch reduction {
    case .none: return squares
    case .sum: return squares.sum() * 0.5
    case .mean: return squares.mean()
    }
  }
  /// The gradients with respect to prediction and target.
  @inlinable
  public func backward(
    _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, _ y: Tensor<Scalar>,
    _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let difference = prediction - target
    let gradient: Tensor<Scalar>
    switch reduction {
    case .none: gradient = difference * dy * 2
    case .sum: gradient = difference * dy
    case .mean: gradient = difference * (dy * (2 / Scalar(Swift.max(prediction.scalarCount, 1))))
    }
    return (gradient, -gradient)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// Softmax cross-entropy of these logits (`[batch, classes]`) against class labels.
  @inlinable
  public consuming func softmaxCrossEntropy(
    labels: [Int], reduction: LossReduction = .mean
  ) -> Variable {
    SoftmaxCrossEntropy(labels: labels, reduction: reduction).apply(to: self)
  }

  /// Squared error against `target` (mean by default; `.sum` is pytensor's half sum).
  @inlinable
  public consuming func squareLoss(target: Variable, reduction: LossReduction = .mean) -> Variable {
    SquareLoss(reduction: reduction)(self, target)
  }
}
