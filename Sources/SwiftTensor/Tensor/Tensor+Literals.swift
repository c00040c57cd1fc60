/// One element of a nested array literal that creates a tensor: a number or a nested array.
///
/// You never name this type; it is what lets `let t: Tensor<Float> = [[1, 2], [3, 4]]` work
/// while `t + 1` still means "add the scalar 1".
public struct TensorLiteralElement<Scalar: TensorScalar>: ExpressibleByArrayLiteral,
  ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral
{
  @usableFromInline let shape: [Int]
  @usableFromInline let scalars: [Scalar]

  /// A number inside a tensor literal.
  public init(integerLiteral value: Int) {
    shape = []
    scalars = [Scalar(value)]
  }

  /// A number inside a tensor literal.
  public init(floatLiteral value: Double) {
    shape = []
    scalars = [Scalar(value)]
  }

  /// A nested array inside a tensor literal; all its elements must have the same shape.
  public init(arrayLiteral elements: TensorLiteralElement...) {
    (shape, scalars) = Self.stack(elements)
  }

  static func stack(_ elements: [TensorLiteralElement]) -> (shape: [Int], scalars: [Scalar]) {
    guard let first = elements.first else { return ([0], []) }
    for (index, element) in elements.enumerated() where element.shape != first.shape {
      tensorFailure(
        "Tensor literal: ragged nested array: element 0 has shape \(describe(shape: first.shape))"
          + " but element \(index) has shape \(describe(shape: element.shape))")
    }
    return ([elements.count] + first.shape, elements.flatMap(\.scalars))
  }
}

extension Tensor: ExpressibleByArrayLiteral {
  /// Creates a tensor from a nested array literal: `[[1, 2, 3], [4, 5, 6]]` has shape `[2, 3]`.
  ///
  /// - Precondition: the nesting is rectangular (not ragged).
  public init(arrayLiteral elements: TensorLiteralElement<Scalar>...) {
    let (shape, scalars) = TensorLiteralElement.stack(elements)
    self.init(shape: shape, scalars: scalars)
  }
}
