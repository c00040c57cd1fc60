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

extension Tensor {
  /// Creates a 2-D tensor from nested arrays: `Tensor<Float>([[1, 2], [3, 4]])` has shape
  /// `[2, 2]`.
  ///
  /// - Precondition: every row has the same length.
  public init(_ rows: [[Scalar]]) {
    let width = rows.first?.count ?? 0
    for (index, row) in rows.enumerated() where row.count != width {
      tensorFailure(
        "Tensor(_:): ragged nested array: row 0 has \(width) elements but row \(index) has "
          + "\(row.count)")
    }
    self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
  }

  /// Creates a 3-D tensor from nested arrays.
  ///
  /// - Precondition: the nesting is rectangular.
  public init(_ matrices: [[[Scalar]]]) {
    let slices = matrices.map { Tensor($0) }
    guard let first = slices.first else {
      self.init(shape: [0, 0, 0], scalars: [])
      return
    }
    for (index, slice) in slices.enumerated() where slice.shape != first.shape {
      tensorFailure(
        "Tensor(_:): ragged nested array: matrix 0 has shape \(describe(shape: first.shape)) "
          + "but matrix \(index) has shape \(describe(shape: slice.shape))")
    }
    self.init(shape: [slices.count] + first.shape, scalars: slices.flatMap { $0.scalars })
  }
}
