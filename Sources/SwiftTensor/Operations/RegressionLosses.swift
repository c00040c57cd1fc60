// L1, Huber and smooth L1 losses: PyTorch's `L1Loss`, `HuberLoss(delta)` and
// `SmoothL1Loss(beta)`. All three run one kernel (`LossKernels+Regression.swift`), which writes
// the reduced loss in the same pass as the element terms.

/// The mean absolute error (L1 loss) between a prediction and a target of the same shape,
/// PyTorch's `L1Loss`.
///
/// Each element contributes `|p - t|`; `.mean` divides their sum by the element count, `.sum`
/// adds them, `.none` returns them in the inputs' shape. Derivative:
/// `dp = sign(p - t)·dy` (divided by the element count for the mean), with `sign(0) = 0` as in
/// PyTorch; `dt = -dp`.
public struct L1Loss<Scalar: TensorScalar>: BinaryOperation {
  /// How the element losses are combined.
  public var reduction: LossReduction
  /// Creates the loss.
  @inlinable
  public init(reduction: LossReduction = .mean) { self.reduction = reduction }
  /// The loss of `prediction` against `target` (the same shape).
  @inlinable
  public func forward(_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar> {
    robustRegressionForward("L1Loss", prediction, target, beta: 0, scale: 1, reduction)
  }
  /// The gradients with respect to prediction and target.
  @inlinable
  public func backward(
    _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, _ y: Tensor<Scalar>,
    _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    robustRegressionBackward(prediction, target, dy, beta: 0, scale: 1, reduction)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// The Huber loss between a prediction and a target of the same shape, PyTorch's
/// `HuberLoss(delta)`: quadratic near zero, linear beyond `delta`, so outliers pull with a
/// bounded force.
///
/// With `d = p - t`, each element contributes `d²/2` where `|d| < δ`, else `δ·(|d| - δ/2)`;
/// reductions as `L1Loss`. Derivative: `dp = d·dy` where `|d| < δ`, else `δ·sign(d)·dy`
/// (divided by the element count for the mean); `dt = -dp`. `HuberLoss(delta: δ)` is `δ` times
/// `SmoothL1Loss(beta: δ)`.
public struct HuberLoss<Scalar: TensorScalar>: BinaryOperation {
  /// Where the loss turns from quadratic to linear, positive.
  public var delta: Scalar
  /// How the element losses are combined.
  public var reduction: LossReduction
  /// Creates the loss; `delta` must be positive.
  @inlinable
  public init(delta: Scalar = 1, reduction: LossReduction = .mean) {
    tensorPrecondition(delta > 0, "HuberLoss: delta \(delta) must be positive")
    self.delta = delta
    self.reduction = reduction
  }
  /// The loss of `prediction` against `target` (the same shape).
  @inlinable
  public func forward(_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar> {
    robustRegressionForward("HuberLoss", prediction, target, beta: delta, scale: delta, reduction)
  }
  /// The gradients with respect to prediction and target.
  @inlinable
  public func backward(
    _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, _ y: Tensor<Scalar>,
    _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    robustRegressionBackward(prediction, target, dy, beta: delta, scale: delta, reduction)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// The smooth L1 loss between a prediction and a target of the same shape, PyTorch's
/// `SmoothL1Loss(beta)`: the L1 loss with its kink at zero rounded off over `[-β, β]`.
///
/// With `d = p - t`, each element contributes `d²/(2β)` where `|d| < β`, else `|d| - β/2`;
/// `beta` 0 is the L1 loss; reductions as `L1Loss`. Derivative: `dp = d/β·dy` where `|d| < β`,
/// else `sign(d)·dy` (divided by the element count for the mean); `dt = -dp`.
public struct SmoothL1Loss<Scalar: TensorScalar>: BinaryOperation {
  /// Half the width of the quadratic region, not negative.
  public var beta: Scalar
  /// How the element losses are combined.
  public var reduction: LossReduction
  /// Creates the loss; `beta` must not be negative.
  @inlinable
  public init(beta: Scalar = 1, reduction: LossReduction = .mean) {
    tensorPrecondition(beta >= 0, "SmoothL1Loss: beta \(beta) must not be negative")
    self.beta = beta
    self.reduction = reduction
  }
  /// The loss of `prediction` against `target` (the same shape).
  @inlinable
  public func forward(_ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>) -> Tensor<Scalar> {
    robustRegressionForward("SmoothL1Loss", prediction, target, beta: beta, scale: 1, reduction)
  }
  /// The gradients with respect to prediction and target.
  @inlinable
  public func backward(
    _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, _ y: Tensor<Scalar>,
    _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    robustRegressionBackward(prediction, target, dy, beta: beta, scale: 1, reduction)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// The forward pass of the three losses: checks the shapes, then one kernel pass.
@inlinable
func robustRegressionForward<Scalar: TensorScalar>(
  _ name: String, _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, beta: Scalar,
  scale: Scalar, _ reduction: LossReduction
) -> Tensor<Scalar> {
  tensorPrecondition(
    prediction.shape == target.shape,
    "\(name): prediction of shape \(describe(shape: prediction.shape)) and target of shape "
      + "\(describe(shape: target.shape)) differ")
  let count = prediction.scalarCount
  return Tensor(shape: reduction == .none ? prediction.shape : []) { losses in
    robustRegressionLosses(
      prediction: prediction.baseAddress, target: target.baseAddress, count: count, beta: beta,
      scale: scale, perElement: reduction == .none,
      divisor: reduction == .mean ? Double(Swift.max(count, 1)) : 1, into: losses)
  }
}

/// The backward pass of the three losses: the prediction's gradient, and its negation for the
/// target.
@inlinable
func robustRegressionBackward<Scalar: TensorScalar>(
  _ prediction: Tensor<Scalar>, _ target: Tensor<Scalar>, _ dy: Tensor<Scalar>, beta: Scalar,
  scale: Scalar, _ reduction: LossReduction
) -> (Tensor<Scalar>, Tensor<Scalar>) {
  let count = prediction.scalarCount
  let gradient = Tensor<Scalar>(shape: prediction.shape) { gradients in
    robustRegressionGradients(
      prediction: prediction.baseAddress, target: target.baseAddress, count: count, beta: beta,
      scale: scale, outputGradients: dy.baseAddress, perElement: reduction == .none,
      divisor: reduction == .mean ? Scalar(Swift.max(count, 1)) : 1, into: gradients)
  }
  return (gradient, -gradient)
}

// The spellings on variables: each records one operation.
extension Variable {
  /// The L1 loss (mean absolute error by default) against `target`; see `L1Loss`.
  @inlinable
  public consuming func l1Loss(target: Variable, reduction: LossReduction = .mean) -> Variable {
    L1Loss(reduction: reduction)(self, target)
  }

  /// The Huber loss against `target`; see `HuberLoss`.
  @inlinable
  public consuming func huberLoss(
    target: Variable, delta: Scalar = 1, reduction: LossReduction = .mean
  ) -> Variable {
    HuberLoss(delta: delta, reduction: reduction)(self, target)
  }

  /// The smooth L1 loss against `target`; see `SmoothL1Loss`.
  @inlinable
  public consuming func smoothL1Loss(
    target: Variable, beta: Scalar = 1, reduction: LossReduction = .mean
  ) -> Variable {
    SmoothL1Loss(beta: beta, reduction: reduction)(self, target)
  }
}

// The spellings on tensors, for evaluation without a tape.
extension Tensor {
  /// The L1 loss (mean absolute error by default) against `target`; see `L1Loss`.
  @inlinable
  public func l1Loss(target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    L1Loss(reduction: reduction)(self, target)
  }

  /// The Huber loss against `target`; see `HuberLoss`.
  @inlinable
  public func huberLoss(
    target: Tensor, delta: Scalar = 1, reduction: LossReduction = .mean
  )
    -> Tensor
  {
    HuberLoss(delta: delta, reduction: reduction)(self, target)
  }

  /// The smooth L1 loss against `target`; see `SmoothL1Loss`.
  @inlinable
  public func smoothL1Loss(
    target: Tensor, beta: Scalar = 1, reduction: LossReduction = .mean
  )
    -> Tensor
  {
    SmoothL1Loss(beta: beta, reduction: reduction)(self, target)
  }
}
