// Element-wise arithmetic on variables. Every binary operation broadcasts, so every backward
// sums its gradient back to its input's shape with `unbroadcasted(to:)`.

/// The sum of any number of tensors, broadcasting (pytensor's `Add`).
///
/// Derivative: each input receives the output gradient, summed to its shape.
public struct Add<Scalar: TensorScalar>: NaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `xs[0] + xs[1] + ...`
  @inlinable
  public func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> {
    tensorPrecondition(!xs.isEmpty, "Add: needs at least one input")
    return xs.dropFirst().reduce(xs[0], +)
  }
  /// `dy` summed to each input's shape.
  @inlinable
  public func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
  {
    xs.map { dy.unbroadcasted(to: $0.shape) }
  }
}

/// `a + b`, broadcasting: the binary form of `Add`, which `+` on variables records.
///
/// Derivative: `(dy, dy)`, summed to each input's shape.
public struct Addition<Scalar: TensorScalar>: BinaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `a + b`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a + b }
  /// `(dy, dy)` summed to the inputs' shapes.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    (dy.unbroadcasted(to: a.shape), dy.unbroadcasted(to: b.shape))
  }
  /// `false`: the gradients are `dy`, summed to each input's shape.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// `a - b`, broadcasting. Derivative: `(dy, -dy)`, summed to each input's shape.
public struct Subtract<Scalar: TensorScalar>: BinaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `a - b`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a - b }
  /// `(dy, -dy)` summed to the inputs' shapes.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    (dy.unbroadcasted(to: a.shape), (-dy).unbroadcasted(to: b.shape))
  }
  /// `false`: the gradients are `dy` and `-dy`, summed to each input's shape.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// `a * b` element-wise, broadcasting. Derivative: `(dy·b, dy·a)`.
public struct Multiply<Scalar: TensorScalar>: BinaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `a * b`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a * b }
  /// `(dy·b, dy·a)` summed to the inputs' shapes.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    ((dy * b).unbroadcasted(to: a.shape), (dy * a).unbroadcasted(to: b.shape))
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// `a / b` element-wise, broadcasting. Derivative: `(dy / b, -dy·a / b²)`.
public struct Divide<Scalar: TensorScalar>: BinaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `a / b`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a / b }
  /// `(dy / b, -dy·a / b²)` summed to the inputs' shapes.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let da = dy / b
    // -dy·a/b² written as -(dy/b)·(a/b) to avoid overflowing b² for large b.
    return (da.unbroadcasted(to: a.shape), (-da * y).unbroadcasted(to: b.shape))
  }
}

/// `-x`. Derivative: `-dy`.
public struct Negate<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `-x`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { -x }
  /// `-dy`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formApplying(.negate)
    return gradient
  }
  /// `false`: the derivative is the constant -1.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// `x·scale + offset` with constant scalars (how `x * 2` or `x + 1` is recorded).
/// Derivative: `dy·scale`.
public struct ScaleShift<Scalar: TensorScalar>: UnaryOperation {
  /// The constant factor.
  public var scale: Scalar
  /// The constant added after scaling.
  public var offset: Scalar
  /// Creates the operation.
  @inlinable
  public init(scale: Scalar = 1, offset: Scalar = 0) {
    self.scale = scale
    self.offset = offset
  }
  /// `x·scale + offset`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    scale == 1 ? x + offset : (offset == 0 ? x * scale : x * scale + offset)
  }
  /// `dy·scale`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    if scale != 1 { gradient.formApplying(.multiplyScalar(scale)) }
    return gradient
  }
  /// `false`: the derivative is the constant `scale`.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// `x^p` for a constant exponent `p`. Derivative: `dy·p·x^(p-1)`.
public struct Power<Scalar: TensorScalar>: UnaryOperation {
  /// The constant exponent.
  public var exponent: Scalar
  /// Creates the operation.
  @inlinable
  public init(_ exponent: Scalar) { self.exponent = exponent }
  /// `x^p`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.pow(exponent) }
  /// `dy·p·x^(p-1)`
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy * x.pow(exponent - 1) * exponent
  }
}

// Their forward passes read only the tensor given, their backward passes only the output.
extension Negate: LendsInputToForward {}
extension ScaleShift: LendsInputToForward {}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// Element-wise sum, broadcasting.
  @inlinable
  public static func + (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Addition()(lhs, rhs)
  }

  /// Element-wise difference, broadcasting.
  @inlinable
  public static func - (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Subtract()(lhs, rhs)
  }

  /// Element-wise product, broadcasting.
  @inlinable
  public static func * (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Multiply()(lhs, rhs)
  }

  /// Element-wise quotient, broadcasting.
  @inlinable
  public static func / (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Divide()(lhs, rhs)
  }

  /// Negation.
  @inlinable
  public static prefix func - (operand: consuming Variable) -> Variable { Negate()(operand) }

  /// Adds a constant.
  @inlinable
  public static func + (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(offset: rhs)(lhs)
  }

  /// Adds a constant.
  @inlinable
  public static func + (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(offset: lhs)(rhs)
  }

  /// Subtracts a constant.
  @inlinable
  public static func - (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(offset: -rhs)(lhs)
  }

  /// A constant minus the variable.
  @inlinable
  public static func - (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(scale: -1, offset: lhs)(rhs)
  }

  /// Multiplies by a constant.
  @inlinable
  public static func * (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(scale: rhs)(lhs)
  }

  /// Multiplies by a constant.
  @inlinable
  public static func * (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(scale: lhs)(rhs)
  }

  /// Divides by a constant.
  @inlinable
  public static func / (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(scale: 1 / rhs)(lhs)
  }

  /// The sum of any number of variables, broadcasting (pytensor's `Add`).
  @inlinable
  public static func sum(_ variables: [Variable]) -> Variable { Add()(variables) }

  /// `x^exponent` element-wise.
  @inlinable
  public consuming func pow(_ exponent: Scalar) -> Variable { Power(exponent)(self) }

  /// `x²` element-wise.
  @inlinable
  public consuming func squared() -> Variable { Power(2)(self) }
}
