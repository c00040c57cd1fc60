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
