// Gather and scatter-add along an axis, each other's adjoint: gather's backward scatter-adds
// `dy` into zeros, scatter-add's backward gathers `dy`. The indices are part of the operation
// (as a loss keeps its labels); the flat offsets they give are computed and checked once in
// forward and kept for backward.

/// The scalars at constant indices along an axis (PyTorch's `torch.gather(input, axis, index)`);
/// see `Tensor.gather(axis:indices:indexShape:)` for the shapes.
///
/// Derivative: `dx = scatterAdd(zeros, axis, indices, dy)`: each `dy` scalar goes to the
/// position it was read from, and positions read several times sum their gradients.
/// Forward and backward are O(indices.count), plus the zero fill of `dx`.
public struct Gather<Scalar: TensorScalar>: DifferentiableOperation {
  /// The axis the indices run along (negative counts from the end).
  public var axis: Int
  /// Positions along `axis`, row-major in `indexShape`.
  public var indices: [Int]
  /// The shape of the indices, which is the output's shape.
  public var indexShape: [Int]
  /// Creates the operation.
  @inlinable
  public init(axis: Int, indices: [Int], indexShape: [Int]) {
    self.axis = axis
    self.indices = indices
    self.indexShape = indexShape
  }
  /// The gathered scalars, and the flat offsets they were read from.
  @inlinable
  public func forwardSaving(_ x: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: [Int]) {
    let offsets = x.gatherOffsets(axis: axis, indices: indices, indexShape: indexShape, "gather")
    return (x.gathering(offsets: offsets).reshaped(to: indexShape), offsets)
  }
  /// `dy` scatter-added into a zero tensor of the input's shape.
  @inlinable
  public func backward(
    inputs x: Tensor<Scalar>, outputs y: Tensor<Scalar>, saved offsets: [Int],
    gradients dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor.zeros(shape: x.shape).scatteringAdd(dy, offsets: offsets)
  }
}

/// An input plus a source's scalars added at constant indices along an axis (PyTorch's
/// `torch.scatter_add(input, axis, index, source)`); see `Tensor.scatterAdding(_:axis:indices:)`.
///
/// Inputs: the tensor added to, and the source, whose shape is the indices' shape.
/// Derivative: `dinput = dy`; `dsource = gather(dy, axis, indices)`. O(n + indices.count)
/// forward, O(indices.count) backward besides passing `dy` on.
public struct ScatterAdd<Scalar: TensorScalar>: DifferentiableOperation {
  /// The axis the indices run along (negative counts from the end).
  public var axis: Int
  /// Positions along `axis`, one per scalar of the source, row-major.
  public var indices: [Int]
  /// Creates the operation.
  @inlinable
  public init(axis: Int, indices: [Int]) {
    self.axis = axis
    self.indices = indices
  }
  /// The sum, and the flat offsets in the input the source was added to.
  @inlinable
  public func forwardSaving(
    _ inputs: TensorPair<Scalar>
  )
    -> (outputs: Tensor<Scalar>, saved: [Int])
  {
    let (x, source) = (inputs.first, inputs.second)
    let offsets = x.gatherOffsets(
      axis: axis, indices: indices, indexShape: source.shape, "scatterAdd")
    return (x.scatteringAdd(source, offsets: offsets), offsets)
  }
  /// `dy` for the input; `dy` read at the offsets, in the source's shape, for the source.
  @inlinable
  public func backward(
    inputs: TensorPair<Scalar>, outputs y: Tensor<Scalar>, saved offsets: [Int],
    gradients dy: consuming Tensor<Scalar>
  ) -> TensorPair<Scalar> {
    let dSource = dy.gathering(offsets: offsets).reshaped(to: inputs.second.shape)
    return TensorPair(dy, dSource)
  }
}

// The spellings on variables: each records one operation.
extension Variable {
  /// The scalars at `indices` along `axis`, in `indexShape`; see `Gather`.
  @inlinable
  public consuming func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Variable {
    Gather(axis: axis, indices: indices, indexShape: indexShape).apply(to: self)
  }

  /// This variable plus `source`'s scalars added at `indices` along `axis`; see `ScatterAdd`.
  @inlinable
  public consuming func scatterAdding(
    _ source: consuming Variable, axis: Int, indices: [Int]
  ) -> Variable {
    ScatterAdd(axis: axis, indices: indices).apply(to: [self, source])[0]
  }
}
