// Element-wise functions and softmax. Each backward reuses the forward output where that is
// cheaper and as accurate (exp, sqrt, sigmoid, tanh, softmax).

/// `e^x`. Derivative: `dy·y`.
public struct Exp<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `e^x`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.exp() }
  /// `dy·e^x`, read from the output.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy * y
  }
  /// `dy·e^x`, into `gradient`'s buffer when it is not shared.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>
  ) {
    gradient.formCombination(with: y, .multiply, name: "Exp.backward")
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// Natural logarithm. Derivative: `dy / x`.
public struct Log<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `ln x`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.log() }
  /// `dy / x`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy / x
  }
}

/// Square root. Derivative: `dy / (2·y)`.
public struct SquareRoot<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `√x`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.sqrt() }
  /// `dy / (2√x)`, read from the output.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy / (y * 2)
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// `max(x, 0)`. Derivative: `dy` where `x > 0`, else 0 (0 at `x == 0`, as PyTorch).
public struct Relu<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `max(x, 0)`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.relu() }
  /// `dy·[y > 0]`, the same as `dy·[x > 0]` for every `x` (zeros of either sign and NaN
  /// give `y ≤ 0` or NaN, as they give `x ≤ 0` or NaN).
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    y.combining(dy, .reluBackward, name: "Relu.backward")
  }
  /// `dy` where `y > 0`, else 0, into `gradient`'s buffer when it is not shared.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>
  ) {
    gradient.formCombination(with: y, .reluBackward, name: "Relu.backward")
  }
  /// `false`: the output says where the input was positive, so the tape keeps it alone.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// The logistic sigmoid `1 / (1 + e^-x)`. Derivative: `dy·y·(1 - y)`.
public struct Sigmoid<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `1 / (1 + e^-x)`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.sigmoid() }
  /// `dy·y·(1 - y)`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    y.combining(dy, .sigmoidBackward, name: "Sigmoid.backward")
  }
  /// `dy·y·(1 - y)`, into `gradient`'s buffer when it is not shared.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>
  ) {
    gradient.formCombination(with: y, .sigmoidBackward, name: "Sigmoid.backward")
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// Hyperbolic tangent. Derivative: `dy·(1 - y²)`.
public struct Tanh<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `tanh x`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.tanh() }
  /// `dy·(1 - y²)`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    y.combining(dy, .tanhBackward, name: "Tanh.backward")
  }
  /// `dy·(1 - y²)`, into `gradient`'s buffer when it is not shared.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>
  ) {
    gradient.formCombination(with: y, .tanhBackward, name: "Tanh.backward")
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// Softmax along an axis. Derivative: `y·(dy - Σ(dy·y))`, the sum along the axis.
public struct Softmax<Scalar: TensorScalar>: UnaryOperation {
  /// The axis the probabilities sum to 1 along (negative counts from the end).
  public var axis: Int
  /// Creates the operation along `axis` (default: the last).
  @inlinable
  public init(axis: Int = -1) { self.axis = axis }
  /// `e^x / Σ e^x` along `axis`, computed stably.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.softmax(axis: axis) }
  /// `y·(dy - Σ dy·y)`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    y * (dy - (dy * y).sum(axis: axis, keepingDimensions: true))
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// Log-softmax along an axis. Derivative: `dy - softmax(x)·Σ dy`, the sum along the axis.
public struct LogSoftmax<Scalar: TensorScalar>: UnaryOperation {
  /// The axis normalised along (negative counts from the end).
  public var axis: Int
  /// Creates the operation along `axis` (default: the last).
  @inlinable
  public init(axis: Int = -1) { self.axis = axis }
  /// `x - log Σ e^x` along `axis`, computed stably.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.logSoftmax(axis: axis) }
  /// `dy - e^y·Σ dy`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy - y.exp() * dy.sum(axis: axis, keepingDimensions: true)
  }
  /// `false`: the derivative is read from the output.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}
