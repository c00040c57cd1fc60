// Operations that pick scalars: the largest or smallest along an axis, by a mask, and running
// sums. Each backward routes the gradient to the scalars picked. Gather and scatter-add are in
// `SelectionOperations+Gather.swift`; the tensor spellings in `Tensor/Tensor+Selection.swift`.

/// The largest scalars along an axis. Derivative: `dy` to the position of each maximum, 0
/// elsewhere.
///
/// Ties go to the first position along the axis, as PyTorch's `max(dim)`; a line holding a NaN
/// has maximum NaN, and its gradient goes to its first NaN. The positions are kept for the
/// backward pass (one `Int` per output scalar). Forward and backward are O(n).
public struct MaxAlongAxis<Scalar: TensorScalar>: DifferentiableOperation {
  /// The axis to reduce (negative counts from the end).
  public var axis: Int
  /// Whether the reduced axis stays as size 1.
  public var keepingDimensions: Bool
  /// Creates the operation.
  @inlinable
  public init(axis: Int, keepingDimensions: Bool = false) {
    self.axis = axis
    self.keepingDimensions = keepingDimensions
  }
  /// The maxima, and the flat positions in the input they were read from.
  @inlinable
  public func forwardSaving(_ x: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: [Int]) {
    x.extremum(largest: true, axis: axis, keepingDimensions: keepingDimensions, "max")
  }
  /// `dy` scattered into a zero tensor of the input's shape at the maxima's positions.
  @inlinable
  public func backward(
    inputs x: Tensor<Scalar>, outputs y: Tensor<Scalar>, saved offsets: [Int],
    gradients dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor.zeros(shape: x.shape).scatteringAdd(dy, offsets: offsets)
  }
}

/// The smallest scalars along an axis. Derivative: `dy` to the position of each minimum, 0
/// elsewhere; ties and NaN as `MaxAlongAxis`.
public struct MinAlongAxis<Scalar: TensorScalar>: DifferentiableOperation {
  /// The axis to reduce (negative counts from the end).
  public var axis: Int
  /// Whether the reduced axis stays as size 1.
  public var keepingDimensions: Bool
  /// Creates the operation.
  @inlinable
  public init(axis: Int, keepingDimensions: Bool = false) {
    self.axis = axis
    self.keepingDimensions = keepingDimensions
  }
  /// The minima, and the flat positions in the input they were read from.
  @inlinable
  public func forwardSaving(_ x: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: [Int]) {
    x.extremum(largest: false, axis: axis, keepingDimensions: keepingDimensions, "min")
  }
  /// `dy` scattered into a zero tensor of the input's shape at the minima's positions.
  @inlinable
  public func backward(
    inputs x: Tensor<Scalar>, outputs y: Tensor<Scalar>, saved offsets: [Int],
    gradients dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor.zeros(shape: x.shape).scatteringAdd(dy, offsets: offsets)
  }
}

extension Tensor {
  /// The extrema along `axis` read at `argmax`/`argmin`'s positions (so ties and NaN follow
  /// theirs), and those positions as flat offsets into this tensor.
  @usableFromInline
  func extremum(
    largest: Bool, axis: Int, keepingDimensions: Bool, _ operation: String
  )
    -> (outputs: Tensor, saved: [Int])
  {
    let axis = normalize(axis: axis, operation: operation)
    tensorPrecondition(
      shape[axis] > 0,
      "\(operation): axis \(axis) of shape \(describe(shape: shape)) is empty, so it has no "
        + (largest ? "maximum" : "minimum"))
    let arguments = largest ? argmax(axis: axis) : argmin(axis: axis)
    let offsets = SelectionKernels.offsets(
      arguments: arguments, outer: shape[..<axis].reduce(1, *), length: shape[axis],
      inner: shape[(axis + 1)...].reduce(1, *))
    var reduced = shape
    if keepingDimensions { reduced[axis] = 1 } else { reduced.remove(at: axis) }
    return (gathering(offsets: offsets).reshaped(to: reduced), offsets)
  }
}

/// `a` where a constant 0/1 mask is 1, `b` where it is 0, all three broadcasting together.
/// Derivative: `dy` where the mask is 1 to `a`, where it is 0 to `b` (0 elsewhere), each summed
/// down to its input's shape. O(n) both ways.
public struct Where<Scalar: TensorScalar>: BinaryOperation {
  /// 0s and 1s; not differentiated.
  public let mask: Tensor<Scalar>
  /// Creates the operation.
  ///
  /// - Precondition: every scalar of `mask` is 0 or 1.
  @inlinable
  public init(mask: Tensor<Scalar>) {
    mask.checkMask(operation: "where")
    self.mask = mask
  }
  /// `a` where the mask is 1, else `b`, in the broadcast shape.
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    // `init` checked the mask once; a step need not check it again.
    Tensor.selecting(checkedMask: mask, a, b)
  }
  /// `dy` masked for each input and summed to its shape.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let mask = self.mask.broadcasted(to: dy.shape)
    let da = dy.filled(where: mask, whereSet: false, value: 0)
    let db = dy.filled(where: mask, whereSet: true, value: 0)
    return (da.unbroadcasted(to: a.shape), db.unbroadcasted(to: b.shape))
  }
  /// `false`: the gradient depends on the mask only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// The input with a constant where a constant 0/1 mask is 1 (PyTorch's `masked_fill`).
/// Derivative: `dy` where the mask is 0, and 0 where it filled. O(n) both ways.
public struct MaskedFill<Scalar: TensorScalar>: UnaryOperation {
  /// 0s and 1s whose shape broadcasts to the input's; not differentiated.
  public let mask: Tensor<Scalar>
  /// The scalar written where the mask is 1.
  public let value: Scalar
  /// Creates the operation.
  ///
  /// - Precondition: every scalar of `mask` is 0 or 1.
  @inlinable
  public init(mask: Tensor<Scalar>, value: Scalar) {
    mask.checkMask(operation: "maskedFill")
    self.mask = mask
    self.value = value
  }
  /// The input with `value` where the mask is 1.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    // `init` checked the mask once; a step need not check it again.
    let mask = self.mask.broadcastMask(to: x.shape, operation: "maskedFill", checking: false)
    return x.filled(where: mask, value: value)
  }
  /// `dy` with zeros where the mask is 1, written into `dy`'s buffer when nothing else shares it.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let mask = self.mask.broadcasted(to: dy.shape)
    return dy.filled(where: mask, value: 0)
  }
  /// `false`: the gradient depends on the mask only.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

/// Running sums along an axis (`cumsum`). Derivative: the running sums of `dy` taken from the
/// end of the axis backwards (`dx[i] = Σ_{j ≥ i} dy[j]`). O(n) both ways.
public struct CumulativeSum<Scalar: TensorScalar>: UnaryOperation {
  /// The axis to sum along (negative counts from the end).
  public var axis: Int
  /// Creates the operation.
  @inlinable
  public init(axis: Int) { self.axis = axis }
  /// The running sums.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.cumulativeSum(axis: axis) }
  /// The reversed running sums of `dy`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    dy.cumulativeSum(axis: axis, reversed: true)
  }
  /// `false`: the gradient depends on `dy` only.
  @inlinable
  public static var backwardReadsInput: Bool { false }
}

// The spellings on variables: each records one operation.
extension Variable {
  /// The largest scalars along `axis`; see `MaxAlongAxis` (ties to the first, NaN propagates).
  @inlinable
  public consuming func max(axis: Int, keepingDimensions: Bool = false) -> Variable {
    MaxAlongAxis(axis: axis, keepingDimensions: keepingDimensions).apply(to: self)
  }

  /// The smallest scalars along `axis`; see `MinAlongAxis`.
  @inlinable
  public consuming func min(axis: Int, keepingDimensions: Bool = false) -> Variable {
    MinAlongAxis(axis: axis, keepingDimensions: keepingDimensions).apply(to: self)
  }

  /// Positions of the largest scalars along `axis`, as `Tensor.argmax(axis:)`; not
  /// differentiable, so nothing is recorded.
  @inlinable
  public func argmax(axis: Int) -> [Int] { value.argmax(axis: axis) }

  /// Positions of the smallest scalars along `axis`, as `Tensor.argmin(axis:)`; not recorded.
  @inlinable
  public func argmin(axis: Int) -> [Int] { value.argmin(axis: axis) }

  /// `a` where `mask` (0s and 1s, a constant) is 1, else `b`, broadcasting; see `Where`.
  @inlinable
  public static func `where`(
    _ mask: Tensor<Scalar>, _ a: consuming Variable, _ b: consuming Variable
  ) -> Variable {
    Where(mask: mask)(a, b)
  }

  /// This variable with `value` where `mask` (0s and 1s, a constant) is 1; see `MaskedFill`.
  @inlinable
  public consuming func maskedFill(_ mask: Tensor<Scalar>, _ value: Scalar) -> Variable {
    MaskedFill(mask: mask, value: value)(self)
  }

  /// Running sums along `axis`; see `CumulativeSum`.
  @inlinable
  public consuming func cumulativeSum(axis: Int) -> Variable { CumulativeSum(axis: axis)(self) }
}
