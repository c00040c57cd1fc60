/// Matrix product of 2-D tensors, or batched 3-D (see `Tensor.matmul`).
///
/// Derivative, for `C = A·B`: `dA = dC·Bᵀ`, `dB = Aᵀ·dC`; the transpose flags permute these,
/// and an operand shared across a batch receives the sum over the batch.
public struct MatMul<Scalar: TensorScalar>: BinaryOperation {
  /// Whether the first operand is used transposed.
  public var transposingLeft: Bool
  /// Whether the second operand is used transposed.
  public var transposingRight: Bool
  /// Creates the operation.
  @inlinable
  public init(transposingLeft: Bool = false, transposingRight: Bool = false) {
    self.transposingLeft = transposingLeft
    self.transposingRight = transposingRight
  }
  /// `op(a)·op(b)`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    a.matmul(b, transposingSelf: transposingLeft, transposingOther: transposingRight)
  }
  /// The gradients with respect to `a` and `b`, in their stored (untransposed) layouts.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let da: Tensor<Scalar>
    let db: Tensor<Scalar>
    switch (transposingLeft, transposingRight) {
    case (false, false):
      da = dy.matmul(b, transposingOther: true)
      db = a.matmul(dy, transposingSelf: true)
    case (true, false):
      da = b.matmul(dy, transposingOther: true)
      db = a.matmul(dy)
    case (false, true):
      da = dy.matmul(b)
      db = dy.matmul(a, transposingSelf: true)
    case (true, true):
      da = b.matmul(dy, transposingSelf: true, transposingOther: true)
      db = dy.matmul(a, transposingSelf: true, transposingOther: true)
    }
    return (Self.sumBatch(da, to: a.shape), Self.sumBatch(db, to: b.shape))
  }

  /// A 2-D or batch-1 operand used by every batch element gets the sum of their gradients.
  @usableFromInline
  static func sumBatch(_ gradient: Tensor<Scalar>, to shape: [Int]) -> Tensor<Scalar> {
    gradient.shape == shape ? gradient : gradient.sum(axis: 0).reshaped(to: shape)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// Matrix product (2-D or batched 3-D); see `Tensor.matmul`.
  @inlinable
  public consuming func matmul(
    _ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false
  ) -> Variable {
    MatMul(transposingLeft: transposingSelf, transposingRight: transposingOther)(self, other)
  }
}
