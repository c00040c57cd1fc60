// Binary cross-entropy with logits and negative log-likelihood: PyTorch's `BCEWithLogitsLoss`
// and `NLLLoss`. Their loops are in `Kernels/LossKernels+Probabilistic.swift`; the likelihood's
// forward reuses softmax cross-entropy's loop, which reads `-log p[label]` alone.

/// Binary cross-entropy of logits against targets in `[0, 1]`, fused with the sigmoid:
/// PyTorch's `BCEWithLogitsLoss`.
///
/// With `z` the logit and `t` the target, each element contributes
/// `-[w₊·t·log σ(z) + (1 - t)·log(1 - σ(z))]`, computed as
/// `(1 - t)·z + w·(max(-z, 0) + log(1 + e^{-|z|}))` with `w = 1 + (w₊ - 1)·t`, which is
/// `max(z, 0) - z·t + log(1 + e^{-|z|})` when `w₊` (`positiveWeight`) is 1: finite for any
/// finite logits, where `log(sigmoid(z))` would overflow. PyTorch's `pos_weight` is a tensor per
/// class; here it is one scalar for all elements.
///
/// Input: logits of any shape; `targets` has the same shape. Output: a scalar (`.mean` over
/// elements or `.sum`) or the element losses in the logits' shape (`.none`). Derivative:
/// `dz = ((1 - t) - w·σ(-z))·dy`, which is `(σ(z) - t)·dy` when `w₊` is 1 (divided by the
/// element count for the mean). The targets are constants: no gradient flows to them.
public struct BinaryCrossEntropyWithLogits<Scalar: TensorScalar>: DifferentiableOperation {
  /// The target of each logit, in `[0, 1]` (soft labels allowed).
  public var targets: Tensor<Scalar>
  /// The weight of the positive term, `w₊`: above 1 favours recall, below 1 precision.
  public var positiveWeight: Scalar
  /// How the element losses are combined.
  public var reduction: LossReduction

  /// Creates the loss for the given targets.
  @inlinable
  public init(
    targets: Tensor<Scalar>, positiveWeight: Scalar = 1, reduction: LossReduction = .mean
  ) {
    self.targets = targets
    self.positiveWeight = positiveWeight
    self.reduction = reduction
  }

  /// The loss; stops if the targets' shape differs from the logits' or a target is outside
  /// `[0, 1]`.
  @inlinable
  public func forwardSaving(_ logits: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void) {
    tensorPrecondition(
      logits.shape == targets.shape,
      "BinaryCrossEntropyWithLogits: logits of shape \(describe(shape: logits.shape)) and "
        + "targets of shape \(describe(shape: targets.shape)) differ")
    let count = logits.scalarCount
    targets.withUnsafeBufferPointer { values in
      for (index, target) in values.enumerated() where !(0...1).contains(target) {
        tensorFailure(
          "BinaryCrossEntropyWithLogits: target \(target) at index \(index) is outside [0, 1]")
      }
    }
    let output = Tensor<Scalar>(shape: reduction == .none ? logits.shape : []) { losses in
      binaryCrossEntropyLosses(
        logits: logits.baseAddress, targets: targets.baseAddress, count: count,
        positiveWeight: positiveWeight, perElement: reduction == .none,
        divisor: reduction == .mean ? Double(Swift.max(count, 1)) : 1, into: losses)
    }
    return (output, ())
  }

  /// `((1 - t) - w·σ(-z))·dy`, in one pass.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let count = inputs.scalarCount
    return Tensor(shape: inputs.shape) { logitGradients in
      binaryCrossEntropyGradients(
        logits: inputs.baseAddress, targets: targets.baseAddress, count: count,
        positiveWeight: positiveWeight, outputGradients: gradients.baseAddress,
        perElement: reduction == .none,
        divisor: reduction == .mean ? Scalar(Swift.max(count, 1)) : 1, into: logitGradients)
    }
  }
}

/// Negative log-likelihood of log-probabilities against integer class labels: PyTorch's
/// `NLLLoss` (without class weights or an ignored index).
///
/// Each sample contributes `-x[label]`. Apply it to `logSoftmax(axis: 1)` of logits, or use
/// `SoftmaxCrossEntropy`, which fuses the two.
///
/// Input: log-probabilities of shape `[batch, classes]`. Output: a scalar (`.mean` over the
/// batch or `.sum`) or the `[batch]` per-sample losses (`.none`). Derivative:
/// `dx = -onehot(label)·dy`, divided by the batch size for the mean.
public struct NegativeLogLikelihood<Scalar: TensorScalar>: DifferentiableOperation {
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

  /// The loss; stops on a shape other than `[labels.count, classes]` or a label out of range.
  @inlinable
  public func forwardSaving(
    _ logProbabilities: Tensor<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: Void) {
    let shape = logProbabilities.shape
    tensorPrecondition(
      shape.count == 2 && shape[0] == labels.count,
      "NegativeLogLikelihood: log-probabilities of shape \(describe(shape: shape)) for "
        + "\(labels.count) labels; expected [\(labels.count), classes]")
    for (sample, label) in labels.enumerated() where !(0..<shape[1]).contains(label) {
      tensorFailure(
        "NegativeLogLikelihood: label \(label) of sample \(sample) is out of range for "
          + "\(shape[1]) classes")
    }
    let output = Tensor<Scalar>(shape: reduction == .none ? [labels.count] : []) { losses in
      crossEntropyLosses(
        logProbabilities: logProbabilities.baseAddress, classes: shape[1], labels: labels,
        perSample: reduction == .none,
        divisor: reduction == .mean ? Double(Swift.max(labels.count, 1)) : 1, into: losses)
    }
    return (output, ())
  }

  /// `-onehot(label)·dy`, in one pass.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor(shape: inputs.shape) { inputGradients in
      negativeLogLikelihoodGradients(
        classes: inputs.shape[1], labels: labels, outputGradients: gradients.baseAddress,
        perSample: reduction == .none,
        divisor: reduction == .mean ? Scalar(Swift.max(labels.count, 1)) : 1,
        into: inputGradients)
    }
  }
}

// The spellings on variables (each records one operation) and on tensors (no tape).
extension Variable {
  /// Binary cross-entropy of these logits against `targets` in `[0, 1]` (the same shape); see
  /// `BinaryCrossEntropyWithLogits`.
  @inlinable
  public consuming func binaryCrossEntropyWithLogits(
    targets: Tensor<Scalar>, positiveWeight: Scalar = 1, reduction: LossReduction = .mean
  ) -> Variable {
    BinaryCrossEntropyWithLogits(
      targets: targets, positiveWeight: positiveWeight, reduction: reduction
    ).apply(to: self)
  }

  /// Negative log-likelihood of these log-probabilities (`[batch, classes]`) against class
  /// labels; see `NegativeLogLikelihood`.
  @inlinable
  public consuming func negativeLogLikelihood(
    labels: [Int], reduction: LossReduction = .mean
  ) -> Variable {
    NegativeLogLikelihood(labels: labels, reduction: reduction).apply(to: self)
  }
}

extension Tensor {
  /// Binary cross-entropy of these logits against `targets` in `[0, 1]` (the same shape); see
  /// `BinaryCrossEntropyWithLogits`.
  @inlinable
  public func binaryCrossEntropyWithLogits(
    targets: Tensor, positiveWeight: Scalar = 1, reduction: LossReduction = .mean
  ) -> Tensor {
    BinaryCrossEntropyWithLogits(
      targets: targets, positiveWeight: positiveWeight, reduction: reduction
    ).forwardSaving(self).outputs
  }

  /// Negative log-likelihood of these log-probabilities (`[batch, classes]`) against class
  /// labels; see `NegativeLogLikelihood`.
  @inlinable
  public func negativeLogLikelihood(labels: [Int], reduction: LossReduction = .mean) -> Tensor {
    NegativeLogLikelihood(labels: labels, reduction: reduction).forwardSaving(self).outputs
  }
}
