/// One optimiser step, as the fused update kernel (`OptimizerKernels.update`) runs it; each
/// optimiser builds its rule from its hyperparameters once per step.
enum UpdateRule<Scalar: TensorScalar>: Sendable {
  /// SGD: `v = momentum·v + g + wd·p`, then `p -= lr·v` (or `lr·(g + wd·p + momentum·v)` when
  /// Nesterov); with no momentum, `p -= lr·(g + wd·p)`.
  case sgd(learningRate: Scalar, momentum: Scalar, nesterov: Bool, weightDecay: Scalar)
  /// Adam with bias corrections `1 - β1^t`, `1 - β2^t` precomputed; `decoupled` selects AdamW
  /// (`p -= lr·wd·p`) instead of L2 in the gradient.
  case adam(
    learningRate: Scalar, beta1: Scalar, beta2: Scalar, epsilon: Scalar,
    correction1: Scalar, correction2: Scalar, weightDecay: Scalar, decoupled: Bool)
  /// RMSProp: `s = ρ·s + (1-ρ)·g²`, `p -= lr·g / (√s + ε)`.
  case rmsProp(learningRate: Scalar, rho: Scalar, epsilon: Scalar, weightDecay: Scalar)
  /// AdaGrad: `s += g²`, `p -= lr·g / (√s + ε)`.
  case adaGrad(learningRate: Scalar, epsilon: Scalar, weightDecay: Scalar)
}
