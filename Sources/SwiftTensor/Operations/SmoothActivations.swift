// Smooth activations of transformers and modern convolutional networks. Each forward and each
// backward is one fused pass (`Kernels/ActivationKernels.swift`); every backward reads the
// input, since none of these derivatives is a cheap function of the output alone.

/// How `GELU` computes the normal distribution function Φ (PyTorch's `approximate`).
public enum GELUApproximation: Sendable, Hashable {
  /// `Φ(x) = (1 + erf(x/√2))/2` (PyTorch's `"none"`).
  case exact
  /// `Φ(x) ≈ (1 + tanh(√(2/π)(x + 0.044715x³)))/2` (PyTorch's `"tanh"`, GPT-2's GELU).
  case tanh
}

/// The Gaussian error linear unit `x·Φ(x)`, Φ the standard normal distribution function.
///
/// Derivative (exact): `dy·(Φ(x) + x·φ(x))`, φ the standard normal density. With the tanh
/// approximation `y = 0.5x(1 + t)`, `t = tanh(u)`, `u = √(2/π)(x + 0.044715x³)`:
/// `dy·(0.5(1 + t) + 0.5x(1 - t²)·√(2/π)(1 + 3·0.044715x²))`.
///
/// In `Float`, Φ comes from a vectorised erfc fit (Numerical Recipes' `erfcc`, relative error
/// below 1.2e-7 everywhere); in `Double`, from Foundation's `erfc` per element.
///
/// - References: D. Hendrycks and K. Gimpel, *Gaussian Error Linear Units (GELUs)* (2016).
public struct GELU<Scalar: TensorScalar>: UnaryOperation {
  /// Exact, or the tanh approximation.
  public var approximation: GELUApproximation
  /// Creates the operation (default: exact).
  @inlinable
  public init(approximation: GELUApproximation = .exact) { self.approximation = approximation }
  @inlinable
  var kernel: ActivationKernel<Scalar> { approximation == .exact ? .gelu : .geluTanh }
  /// `x·Φ(x)`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.activated(kernel) }
  /// `dy·(Φ(x) + x·φ(x))` (or the tanh form's derivative), in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(kernel, at: x, name: "GELU.backward")
  }
}

/// The sigmoid linear unit (swish) `x·σ(x)`. Derivative: `dy·σ(x)·(1 + x·(1 - σ(x)))`.
///
/// - References: S. Elfwing, E. Uchibe and K. Doya, *Sigmoid-Weighted Linear Units for Neural
///   Network Function Approximation in Reinforcement Learning* (2017).
public struct SiLU<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `x·σ(x)`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.activated(.silu) }
  /// `dy·σ(x)·(1 + x·(1 - σ(x)))`, in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(.silu, at: x, name: "SiLU.backward")
  }
}

/// `log(1 + e^(β·x))/β`, and `x` itself where `β·x > threshold` (PyTorch's `Softplus`).
///
/// Computed stably as `(max(z, 0) + log1p(e^(-|z|)))/β` with `z = β·x`, so it neither
/// overflows for large `x` nor rounds to 0 for very negative `x`.
/// Derivative: `dy·σ(β·x)`, and `dy` where `β·x > threshold`.
public struct Softplus<Scalar: TensorScalar>: UnaryOperation {
  /// The sharpness `β` (positive; 1 is the plain softplus).
  public var beta: Scalar
  /// Above this value of `β·x` the function is taken as linear.
  public var threshold: Scalar
  /// Creates the operation (PyTorch's defaults: `beta` 1, `threshold` 20).
  @inlinable
  public init(beta: Scalar = 1, threshold: Scalar = 20) {
    tensorPrecondition(beta > 0, "Softplus: beta \(beta) is not positive")
    self.beta = beta
    self.threshold = threshold
  }
  /// `log(1 + e^(β·x))/β`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.activated(.softplus(beta: beta, threshold: threshold))
  }
  /// `dy·σ(β·x)` (`dy` in the linear region), in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(
      .softplus(beta: beta, threshold: threshold), at: x, name: "Softplus.backward")
  }
}

extension Tensor {
  /// The Gaussian error linear unit `x·Φ(x)` of every scalar (see `GELU`).
  @inlinable
  public func gelu(approximation: GELUApproximation = .exact) -> Tensor {
    GELU(approximation: approximation).forward(self)
  }
  /// `x·σ(x)` of every scalar.
  @inlinable
  public func silu() -> Tensor { activated(.silu) }
  /// `log(1 + e^(β·x))/β` of every scalar, `x` where `β·x > threshold` (see `Softplus`).
  @inlinable
  public func softplus(beta: Scalar = 1, threshold: Scalar = 20) -> Tensor {
    Softplus(beta: beta, threshold: threshold).forward(self)
  }
}

extension Variable {
  /// The Gaussian error linear unit `x·Φ(x)` element-wise (see `GELU`).
  @inlinable
  public consuming func gelu(approximation: GELUApproximation = .exact) -> Variable {
    GELU(approximation: approximation)(self)
  }
  /// `x·σ(x)` element-wise.
  @inlinable
  public consuming func silu() -> Variable { SiLU()(self) }
  /// `log(1 + e^(β·x))/β` element-wise, `x` where `β·x > threshold` (see `Softplus`).
  @inlinable
  public consuming func softplus(beta: Scalar = 1, threshold: Scalar = 20) -> Variable {
    Softplus(beta: beta, threshold: threshold)(self)
  }
}
