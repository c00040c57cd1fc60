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
  /// `dy·e^x`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formCombination(with: y, .multiply, name: "Exp.backward")
    return gradient
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
  /// `dy` where `y > 0`, else 0, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formCombination(with: y, .reluBackward, name: "Relu.backward")
    return gradient
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
  /// `dy·y·(1 - y)`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formCombination(with: y, .sigmoidBackward, name: "Sigmoid.backward")
    return gradient
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
  /// `dy·(1 - y²)`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formCombination(with: y, .tanhBackward, name: "Tanh.backward")
    return gradient
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

// Their forward passes read only the tensor given, their backward passes only the output.
extension Exp: LendsInputToForward {}
extension SquareRoot: LendsInputToForward {}
extension Relu: LendsInputToForward {}
extension Sigmoid: LendsInputToForward {}
extension Tanh: LendsInputToForward {}
extension Softmax: LendsInputToForward {}
extension LogSoftmax: LendsInputToForward {}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// `e^x` element-wise.
  @inlinable
  public consuming func exp() -> Variable { Exp()(self) }

  /// Natural logarithm element-wise.
  @inlinable
  public consuming func log() -> Variable { Log()(self) }

  /// Square root element-wise.
  @inlinable
  public consuming func sqrt() -> Variable { SquareRoot()(self) }

  /// `max(x, 0)` element-wise.
  @inlinable
  public consuming func relu() -> Variable { Relu()(self) }

  /// Logistic sigmoid element-wise.
  @inlinable
  public consuming func sigmoid() -> Variable { Sigmoid()(self) }

  /// Hyperbolic tangent element-wise.
  @inlinable
  public consuming func tanh() -> Variable { Tanh()(self) }

  /// Softmax along `axis` (default: the last).
  @inlinable
  public consuming func softmax(axis: Int = -1) -> Variable { Softmax(axis: axis)(self) }

  /// Log-softmax along `axis` (default: the last).
  @inlinable
  public consuming func logSoftmax(axis: Int = -1) -> Variable { LogSoftmax(axis: axis)(self) }
}
