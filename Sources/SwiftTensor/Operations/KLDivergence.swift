// KL divergence with PyTorch's `KLDivLoss` conventions. Its loops are in
// `Kernels/LossKernels+Probabilistic.swift`.

/// How `KLDivergence` combines its element terms: `LossReduction`'s three and `batchMean`.
///
/// A separate type rather than a fourth `LossReduction` case: only this loss has a meaning for
/// "divided by the batch size", and a new case would break every exhaustive `switch` over
/// `LossReduction`.
public enum KLDivergenceReduction: Sendable {
  /// The sum divided by the batch size (the first dimension): the mathematical KL divergence
  /// of each sample's distributions, averaged over samples. The default.
  case batchMean
  /// The sum divided by the element count, PyTorch's default `'mean'`, which also divides by
  /// the number of classes.
  case mean
  /// The sum over all elements.
  case sum
  /// No reduction: one term per element, in the inputs' shape.
  case none
}

/// The Kullback–Leibler divergence `KL(p ‖ q)` of target probabilities `p` from a model's
/// log-probabilities `x = log q`: PyTorch's `KLDivLoss` (with `log_target` false).
///
/// Each element contributes `p·(log p - x)`, and 0 where `p` is 0 (PyTorch's `xlogy`). The
/// input is log-probabilities (apply `logSoftmax`), the targets probabilities; neither is
/// checked to sum to 1, and a negative target gives NaN.
///
/// Input: log-probabilities of any shape, usually `[batch, classes]`; `targets` has the same
/// shape. Output: a scalar, or the element terms for `.none`; `.batchMean` divides by the first
/// dimension (1 for a scalar input). Derivative: `dx = -p·dy` (divided as the reduction
/// divides). The targets are constants: no gradient flows to them.
public struct KLDivergence<Scalar: TensorScalar>: DifferentiableOperation {
  /// The target probabilities, of the input's shape.
  public var targets: Tensor<Scalar>
  /// How the element terms are combined.
  public var reduction: KLDivergenceReduction

  /// Creates the loss for the given target probabilities.
  @inlinable
  public init(targets: Tensor<Scalar>, reduction: KLDivergenceReduction = .batchMean) {
    self.targets = targets
    self.reduction = reduction
  }

  /// What the reduced sum is divided by for an input of `shape`.
  @inlinable
  func divisor(for shape: [Int]) -> Int {
    switch reduction {
    case .batchMean: Swift.max(shape.first ?? 1, 1)
    case .mean: Swift.max(shape.reduce(1, *), 1)
    case .sum, .none: 1
    }
  }

  /// The divergence; stops if the targets' shape differs from the input's.
  @inlinable
  public func forwardSaving(
    _ logInputs: Tensor<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: Void) {
    tensorPrecondition(
      logInputs.shape == targets.shape,
      "KLDivergence: log-probabilities of shape \(describe(shape: logInputs.shape)) and "
        + "targets of shape \(describe(shape: targets.shape)) differ")
    let perElement = reduction == .none
    let output = Tensor<Scalar>(shape: perElement ? logInputs.shape : []) { losses in
      klDivergenceLosses(
        logInputs: logInputs.baseAddress, targets: targets.baseAddress,
        count: logInputs.scalarCount, perElement: perElement,
        divisor: Double(divisor(for: logInputs.shape)), into: losses)
    }
    return (output, ())
  }

  /// `-p·dy`, divided as the reduction divides, in one pass.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor(shape: inputs.shape) { inputGradients in
      klDivergenceGradients(
        targets: targets.baseAddress, count: inputs.scalarCount,
        outputGradients: gradients.baseAddress, perElement: reduction == .none,
        divisor: Scalar(divisor(for: inputs.shape)), into: inputGradients)
    }
  }
}

extension Variable {
  /// KL divergence of `targets` (probabilities) from these log-probabilities; see
  /// `KLDivergence`.
  @inlinable
  public consuming func klDivergence(
    targets: Tensor<Scalar>, reduction: KLDivergenceReduction = .batchMean
  ) -> Variable {
    KLDivergence(targets: targets, reduction: reduction).apply(to: self)
  }
}

extension Tensor {
  /// KL divergence of `targets` (probabilities) from these log-probabilities; see
  /// `KLDivergence`.
  @inlinable
  public func klDivergence(
    targets: Tensor, reduction: KLDivergenceReduction = .batchMean
  ) -> Tensor {
    KLDivergence(targets: targets, reduction: reduction).forwardSaving(self).outputs
  }
}
