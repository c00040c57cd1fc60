/// `x·mask` for a constant mask of the input's shape (dropout's). Derivative: `dy·mask`.
public struct MaskMultiply<Scalar: TensorScalar>: UnaryOperation {
  /// The constant factor, of the input's shape.
  public let mask: Tensor<Scalar>
  /// Creates the operation.
  @inlinable
  public init(mask: Tensor<Scalar>) { self.mask = mask }
  /// `x·mask`
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * mask }
  /// `dy·mask`, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    var gradient = consume dy
    gradient.formCombination(with: mask, .multiply, name: "MaskMultiply.backward")
    return gradient
  }
  /// `false`: the derivative is the mask.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

// Its forward pass reads only the tensor given, its backward pass only the mask.
extension MaskMultiply: LendsInputToForward {}
