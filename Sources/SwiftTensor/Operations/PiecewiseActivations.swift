// Activations defined piece by piece: leaky ReLU, ELU and clamping. Each forward and each
// backward is one fused pass (`Kernels/ActivationKernels.swift`). Their backward passes read
// the input: the output cannot say which piece `x` was on (a negative slope, or `y` on a
// clamp's bound, leaves it ambiguous).

/// Leaky ReLU: `x` where `x > 0`, else `negativeSlope·x`.
///
/// Derivative: `dy` where `x > 0`, else `negativeSlope·dy` (the slope at 0, as PyTorch).
public struct LeakyReLU<Scalar: TensorScalar>: UnaryOperation {
  /// The slope for negative inputs.
  public var negativeSlope: Scalar
  /// Creates the operation (PyTorch's default slope: 0.01).
  @inlinable
  public init(negativeSlope: Scalar = 0.01) { self.negativeSlope = negativeSlope }
  /// `x` or `negativeSlope·x`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.activated(.leakyRelu(slope: negativeSlope))
  }
  /// `dy` where `x > 0`, else `negativeSlope·dy`, in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(.leakyRelu(slope: negativeSlope), at: x, name: "LeakyReLU.backward")
  }
}

/// The exponential linear unit: `x` where `x > 0`, else `alpha·(eˣ - 1)`.
///
/// Derivative: `dy` where `x > 0`, else `dy·alpha·eˣ`. `eˣ - 1` is computed without
/// cancellation near 0.
///
/// - References: D.-A. Clevert, T. Unterthiner and S. Hochreiter, *Fast and Accurate Deep
///   Network Learning by Exponential Linear Units (ELUs)* (2015).
public struct ELU<Scalar: TensorScalar>: UnaryOperation {
  /// The value approached as `x` goes to `-infinity` is `-alpha`.
  public var alpha: Scalar
  /// Creates the operation (default `alpha`: 1).
  @inlinable
  public init(alpha: Scalar = 1) { self.alpha = alpha }
  /// `x` or `alpha·(eˣ - 1)`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.activated(.elu(alpha: alpha)) }
  /// `dy` where `x > 0`, else `dy·alpha·eˣ`, in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(.elu(alpha: alpha), at: x, name: "ELU.backward")
  }
}

/// `min(max(x, min), max)`; NaN stays NaN.
///
/// Derivative: `dy` where `min <= x <= max` (the bounds included, as PyTorch), else 0.
public struct Clamp<Scalar: TensorScalar>: UnaryOperation {
  /// The lower bound.
  public var min: Scalar
  /// The upper bound (at least `min`).
  public var max: Scalar
  /// Creates the operation; `min` must not exceed `max`.
  @inlinable
  public init(min: Scalar, max: Scalar) {
    tensorPrecondition(min <= max, "clamped: min \(min) exceeds max \(max)")
    self.min = min
    self.max = max
  }
  /// Every scalar of `x` moved into `[min, max]`, same shape as `x`.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.activated(.clamp(min: min, max: max))
  }
  /// `dy` where `min <= x <= max`, else 0, in one pass over `x` and `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.activationGradient(.clamp(min: min, max: max), at: x, name: "Clamp.backward")
  }
}

extension Tensor {
  /// `x` where `x > 0`, else `negativeSlope·x`, for every scalar.
  @inlinable
  public func leakyRelu(negativeSlope: Scalar = 0.01) -> Tensor {
    activated(.leakyRelu(slope: negativeSlope))
  }
  /// `x` where `x > 0`, else `alpha·(eˣ - 1)`, for every scalar.
  @inlinable
  public func elu(alpha: Scalar = 1) -> Tensor { activated(.elu(alpha: alpha)) }
  /// Every scalar moved into `[min, max]`; NaN stays NaN.
  @inlinable
  public func clamped(min: Scalar, max: Scalar) -> Tensor {
    Clamp(min: min, max: max).forward(self)
  }
}

extension Variable {
  /// `x` where `x > 0`, else `negativeSlope·x`, element-wise.
  @inlinable
  public consuming func leakyRelu(negativeSlope: Scalar = 0.01) -> Variable {
    LeakyReLU(negativeSlope: negativeSlope)(self)
  }
  /// `x` where `x > 0`, else `alpha·(eˣ - 1)`, element-wise.
  @inlinable
  public consuming func elu(alpha: Scalar = 1) -> Variable { ELU(alpha: alpha)(self) }
  /// Every element moved into `[min, max]`; the gradient passes where `min <= x <= max`.
  @inlinable
  public consuming func clamped(min: Scalar, max: Scalar) -> Variable {
    Clamp(min: min, max: max)(self)
  }
}
