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
}

/// The affine map `y = x·W + b` of pytensor's `Affine`, with `W` of shape `[input, output]`
/// and an optional bias `b` of shape `[output]`.
///
/// Inputs: `[x, W]` or `[x, W, b]`, `x` of shape `[batch, input]`; output `[batch, output]`.
/// Derivative: `dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db = Σ_batch dy`.
public struct AffineTransform<Scalar: TensorScalar>: NaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `x·W + b`
  @inlinable
  public func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> {
    tensorPrecondition(
      xs.count == 2 || xs.count == 3,
      "AffineTransform: expected inputs [x, W] or [x, W, b], got \(xs.count) inputs")
    let (x, w) = (xs[0], xs[1])
    tensorPrecondition(
      x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
      "AffineTransform: x of shape \(describe(shape: x.shape)) does not fit W of shape "
        + "\(describe(shape: w.shape)); expected x [batch, input] and W [input, output]")
    let product = x.matmul(w)
    guard xs.count == 3 else { return product }
    tensorPrecondition(
      xs[2].shape == [w.shape[1]],
      "AffineTransform: bias of shape \(describe(shape: xs[2].shape)) for W of shape "
        + "\(describe(shape: w.shape)); expected [\(w.shape[1])]")
    return product + xs[2]
  }
  /// `[dy·Wᵀ, xᵀ·dy, Σ dy]`
  @inlinable
  public func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
  {
    let dx = dy.matmul(xs[1], transposingOther: true)
    let dw = xs[0].matmul(dy, transposingSelf: true)
    return xs.count == 3 ? [dx, dw, dy.sum(axis: 0)] : [dx, dw]
  }
}
