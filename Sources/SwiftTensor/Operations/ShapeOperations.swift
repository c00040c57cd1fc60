// Operations that move scalars without arithmetic; each backward moves the gradient back.

/// A new shape for the same scalars. Derivative: `dy` reshaped to the input's shape.
public struct Reshape<Scalar: TensorScalar>: UnaryOperation {
  /// The target shape; one dimension may be `-1`.
  public var shape: [Int]
  /// Creates the operation.
  @inlinable
  public init(to shape: [Int]) { self.shape = shape }
  /// The reshaped tensor.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.reshaped(to: shape) }
  /// `dy` in the input's shape.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy.reshaped(to: x.shape)
  }
}

/// Axes reordered by a permutation (reversed when `nil`). Derivative: the inverse permutation.
public struct Transpose<Scalar: TensorScalar>: UnaryOperation {
  /// Axis `i` of the output is axis `permutation[i]` of the input; `nil` reverses the axes.
  public var permutation: [Int]?
  /// Creates the operation.
  @inlinable
  public init(permutation: [Int]? = nil) { self.permutation = permutation }
  /// The transposed tensor.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.transposed(permutation: resolved(rank: x.rank))
  }
  /// `dy` with the inverse permutation applied.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    let forward = resolved(rank: x.rank).map { $0 < 0 ? $0 + x.rank : $0 }
    var inverse = Array(repeating: 0, count: x.rank)
    for (i, axis) in forward.enumerated() { inverse[axis] = i }
    return dy.transposed(permutation: inverse)
  }
  @usableFromInline
  func resolved(rank: Int) -> [Int] { permutation ?? Array((0..<rank).reversed()) }
}

/// Tensors joined along an existing axis (pytensor's `HStack`/`VStack`).
/// Derivative: `dy` split back into the inputs' sizes.
public struct Concatenate<Scalar: TensorScalar>: NaryOperation {
  /// The axis to join along.
  public var axis: Int
  /// Creates the operation.
  @inlinable
  public init(axis: Int = 0) { self.axis = axis }
  /// The joined tensor.
  @inlinable
  public func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> {
    Tensor.concatenate(xs, axis: axis)
  }
  /// `dy` split along `axis`.
  @inlinable
  public func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
  {
    let axis = self.axis < 0 ? self.axis + y.rank : self.axis
    return dy.split(sizes: xs.map { $0.shape[axis] }, axis: axis)
  }
}

/// Tensors of one shape joined along a new axis. Derivative: `dy` split along that axis.
public struct Stack<Scalar: TensorScalar>: NaryOperation {
  /// The position of the new axis.
  public var axis: Int
  /// Creates the operation.
  @inlinable
  public init(axis: Int = 0) { self.axis = axis }
  /// The stacked tensor.
  @inlinable
  public func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> { Tensor.stack(xs, axis: axis) }
  /// `dy` split along the new axis, which is then removed.
  @inlinable
  public func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
  {
    let axis = self.axis < 0 ? self.axis + y.rank : self.axis
    return dy.split(count: xs.count, axis: axis).map { $0.squeezed(axis: axis) }
  }
}

/// A tensor cut into pieces along an axis: one output per piece.
/// Derivative: the pieces' gradients joined (zeros for pieces that got none).
public struct Split<Scalar: TensorScalar>: DifferentiableOperation {
  /// The size of each piece.
  public var sizes: [Int]
  /// The axis to cut along.
  public var axis: Int
  /// Creates the operation.
  @inlinable
  public init(sizes: [Int], axis: Int = 0) {
    self.sizes = sizes
    self.axis = axis
  }
  /// The pieces.
  @inlinable
  public func forwardSaving(_ inputs: Tensor<Scalar>) -> (outputs: TensorList<Scalar>, saved: Void)
  {
    (TensorList(tensors: inputs.split(sizes: sizes, axis: axis)), ())
  }
  /// The pieces' gradients concatenated.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: TensorList<Scalar>, saved: Void,
    gradients: TensorList<Scalar>
  ) -> Tensor<Scalar> {
    Tensor.concatenate(gradients.tensors, axis: axis)
  }
}

/// A sub-tensor read by indices and ranges (see `Tensor`'s subscript).
/// Derivative: `dy` placed at the read positions of a zero tensor.
public struct Index<Scalar: TensorScalar>: UnaryOperation {
  /// One index or range per leading axis.
  public var indices: [any TensorIndexExpression]
  /// Creates the operation.
  @inlinable
  public init(_ indices: [any TensorIndexExpression]) { self.indices = indices }
  /// The sub-tensor.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x[indices] }
  /// `dy` padded with zeros back to the input's shape.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    var gradient = consume dy
    // Re-insert the axes an integer index removed, then pad each axis with zeros.
    for axis in 0..<x.rank {
      // The forward pass already resolved these indices, so they are in range.
      let (range, keepsAxis) =
        axis < indices.count
        ? indices[axis].resolve(dimension: x.shape[axis]) ?? (0..<0, true)
        : (0..<x.shape[axis], true)
      if !keepsAxis { gradient = gradient.unsqueezed(axis: axis) }
      var before = gradient.shape
      before[axis] = range.lowerBound
      var after = gradient.shape
      after[axis] = x.shape[axis] - range.upperBound
      if before[axis] > 0 || after[axis] > 0 {
        gradient = Tensor.concatenate(
          [.zeros(shape: before), gradient, .zeros(shape: after)], axis: axis)
      }
    }
    return gradient
  }
}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// The same scalars in a new shape (one dimension may be `-1`).
  @inlinable
  public consuming func reshaped(to shape: [Int]) -> Variable { Reshape(to: shape)(self) }

  /// The axes reordered; see `Tensor.transposed(permutation:)`.
  @inlinable
  public consuming func transposed(permutation: [Int]) -> Variable {
    Transpose(permutation: permutation)(self)
  }

  /// The axes reversed (a matrix's transpose).
  @inlinable
  public consuming func transposed() -> Variable { Transpose()(self) }

  /// Variables joined along an existing axis.
  @inlinable
  public static func concatenate(_ variables: [Variable], axis: Int = 0) -> Variable {
    Concatenate(axis: axis)(variables)
  }

  /// Variables of one shape joined along a new axis.
  @inlinable
  public static func stack(_ variables: [Variable], axis: Int = 0) -> Variable {
    Stack(axis: axis)(variables)
  }

  /// Pieces of the given sizes along `axis`.
  @inlinable
  public consuming func split(sizes: [Int], axis: Int = 0) -> [Variable] {
    Split(sizes: sizes, axis: axis).apply(to: [self])
  }

  /// A sub-tensor read by indices and ranges; see `Tensor`'s subscript.
  @inlinable
  public subscript(_ indices: any TensorIndexExpression...) -> Variable { Index(indices)(self) }
}
