/// A differentiable operation: a forward computation on tensors and its vector-Jacobian product.
///
/// The associated types state the operation's shape of data: `Inputs` and `Outputs` say its
/// arity (one `Tensor`, a `TensorPair`, or a `TensorList`), and `Saved` is what `forward`
/// keeps for `backward` beyond the inputs and outputs (for example the probabilities of a fused
/// softmax cross-entropy). Most operations conform through a friendlier refinement:
/// `UnaryOperation`, `BinaryOperation` or `NaryOperation`.
///
/// Applied to plain tensors an operation just computes; applied to variables on a tape it also
/// records itself, so that `backward()` can call `backward(inputs:outputs:saved:gradients:)`.
public protocol DifferentiableOperation {
  /// The element type of every tensor the operation reads and writes.
  associatedtype Scalar: TensorScalar
  /// The inputs: one tensor, a pair, or any number.
  associatedtype Inputs: TensorArguments where Inputs.Scalar == Scalar
  /// The outputs: one tensor, or several (an LSTM cell gives a pair).
  associatedtype Outputs: TensorArguments where Outputs.Scalar == Scalar
  /// What the forward pass keeps for the backward pass, beyond inputs and outputs.
  associatedtype Saved = Void

  /// A short name for messages and tape listings, such as `"matmul"`.
  var name: String { get }

  /// Computes the outputs, and what backward will need.
  func forwardSaving(_ inputs: Inputs) -> (outputs: Outputs, saved: Saved)

  /// Maps the gradients of the loss with respect to the outputs to its gradients with respect
  /// to the inputs (the vector-Jacobian product); each gradient has its tensor's shape.
  func backward(inputs: Inputs, outputs: Outputs, saved: Saved, gradients: Outputs) -> Inputs
}

extension DifferentiableOperation {
  /// The type's name, without generic arguments.
  public var name: String { operationName(Self.self) }
}

/// A type's name without generic arguments: `Add<Float>` gives `Add`.
func operationName(_ type: Any.Type) -> String {
  String(String(describing: type).prefix { $0 != "<" })
}

/// The inputs or outputs of an operation: a fixed or variable number of tensors.
public protocol TensorArguments {
  /// The element type of the tensors.
  associatedtype Scalar: TensorScalar
  /// The tensors, in order.
  var tensors: [Tensor<Scalar>] { get }
  /// Rebuilds the arguments from tensors, in the order `tensors` gives.
  init(tensors: [Tensor<Scalar>])
}

extension Tensor: TensorArguments {
  /// A single tensor is an argument list of one.
  @inlinable
  public var tensors: [Tensor] { [self] }
  /// Takes the only tensor.
  @inlinable
  public init(tensors: [Tensor]) {
    tensorPrecondition(tensors.count == 1, "operation: expected 1 tensor, got \(tensors.count)")
    self = tensors[0]
  }
}

/// Any number of tensors: the inputs of an n-ary operation.
public struct TensorList<Scalar: TensorScalar>: TensorArguments {
  /// The tensors, in order.
  public var tensors: [Tensor<Scalar>]
  /// Wraps the tensors.
  public init(tensors: [Tensor<Scalar>]) { self.tensors = tensors }
}

/// Two tensors: the inputs of a binary operation, or the outputs of one giving a pair.
public struct TensorPair<Scalar: TensorScalar>: TensorArguments {
  /// The first tensor.
  public var first: Tensor<Scalar>
  /// The second tensor.
  public var second: Tensor<Scalar>

  /// Pairs two tensors.
  @inlinable
  public init(_ first: Tensor<Scalar>, _ second: Tensor<Scalar>) {
    self.first = first
    self.second = second
  }

  /// `[first, second]`.
  @inlinable
  public var tensors: [Tensor<Scalar>] { [first, second] }

  /// Takes exactly two tensors.
  @inlinable
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(tensors.count == 2, "operation: expected 2 tensors, got \(tensors.count)")
    self.init(tensors[0], tensors[1])
  }
}

/// An operation of one tensor giving one tensor, saving nothing beyond its input and output.
///
/// ```swift
/// struct Cube<Scalar: TensorScalar>: UnaryOperation {
///   func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
///   func backward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>)
///     -> Tensor<Scalar> { 3 * x * x * dy }
/// }
/// ```
public protocol UnaryOperation: DifferentiableOperation
where Inputs == Tensor<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `x`.
  func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar>
  /// The gradient with respect to `x`, given `x`, `y = forward(x)` and the gradient `dy`
  /// with respect to `y`; it has `x`'s shape.
  func backward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>) -> Tensor<Scalar>
  /// Replaces `gradient`, the gradient with respect to `y`, by the gradient with respect to
  /// `x`: the same result as `backward(_:_:_:)`.
  ///
  /// The tape calls this one. The default calls `backward(_:_:_:)`; an element-wise operation
  /// can write into `gradient`'s buffer instead of allocating a new one, which the tape makes
  /// possible whenever nothing else can read the output's gradient.
  func backward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>)
  /// Whether the backward passes read `x`. When false, the tape keeps only the output and
  /// passes it as `x` as well, so a recorded operation holds one tensor instead of two (four
  /// fewer atomic reference-count operations). Default `true`; return `false` only when
  /// `backward` never reads `x` and `y` has `x`'s shape.
  static var backwardReadsInput: Bool { get }
}

extension UnaryOperation {
  /// `true`: the tape keeps the input for the backward passes.
  @inlinable
  public static var backwardReadsInput: Bool { true }

  /// Calls `backward(_:_:_:)`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, replacing gradient: inout Tensor<Scalar>
  ) {
    gradient = backward(x, y, gradient)
  }

  /// Calls `forward(_:)`.
  @inlinable
  public func forwardSaving(_ inputs: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void) {
    (forward(inputs), ())
  }

  /// Calls `backward(_:_:_:)`.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    backward(inputs, outputs, gradients)
  }
}

/// An operation of two tensors giving one tensor, saving nothing beyond inputs and output.
public protocol BinaryOperation: DifferentiableOperation
where Inputs == TensorPair<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `a` and `b`.
  func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar>
  /// The gradients with respect to `a` and `b` (with their shapes), given the inputs, the
  /// output `y`, and the gradient `dy` with respect to `y`.
  func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>)
  /// Whether `backward` reads `y`. When false, the tape does not keep the output and passes
  /// `dy` in its place (two atomic reference-count operations fewer per tensor not kept).
  /// Default `true`; return `false` only when `backward` never reads `y`.
  static var backwardReadsOutput: Bool { get }
}

extension BinaryOperation {
  /// `true`: the tape keeps the output for the backward pass.
  @inlinable
  public static var backwardReadsOutput: Bool { true }

  /// Calls `forward(_:_:)`.
  public func forwardSaving(_ inputs: TensorPair<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void)
  {
    (forward(inputs.first, inputs.second), ())
  }

  /// Calls `backward(_:_:_:_:)`.
  public func backward(
    inputs: TensorPair<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> TensorPair<Scalar> {
    let (da, db) = backward(inputs.first, inputs.second, outputs, gradients)
    return TensorPair(da, db)
  }
}

/// An operation of any number of tensors giving one tensor (pytensor's `Add`, `Concatenate`).
public protocol NaryOperation: DifferentiableOperation
where Inputs == TensorList<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `xs`.
  func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar>
  /// One gradient per input, with that input's shape.
  func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
}

extension NaryOperation {
  /// Calls `forward(_:)`.
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (
    outputs: Tensor<Scalar>, saved: Void
  ) {
    (forward(inputs.tensors), ())
  }

  /// Calls `backward(_:_:_:)`.
  public func backward(
    inputs: TensorList<Scalar>, outputs: Tensor<Scalar>, saved: Void, gradients: Tensor<Scalar>
  ) -> TensorList<Scalar> {
    TensorList(tensors: backward(inputs.tensors, outputs, gradients))
  }
}
