// Positions added to a batch of sequences: the fused operation behind `PositionalEmbedding`.

/// `x + table[offset ..< offset + time]`, the rows broadcast over the batch, in one pass.
///
/// `x` has shape `[batch, time, width]`, `table` `[length, width]` with
/// `offset + time <= length`; the output has `x`'s shape. Derivative: `dx = dy`, and
/// `dtable[offset + t] = Σ_b dy[b, t]` (other rows 0). O(batch·time·width) each way.
public struct AddPositions<Scalar: TensorScalar>: BinaryOperation {
  /// The position of the first step of the sequences (for generation with a key/value cache,
  /// the number of steps already seen).
  public var offset: Int

  /// Creates the operation.
  ///
  /// - Precondition: `offset >= 0`.
  @inlinable
  public init(offset: Int = 0) {
    tensorPrecondition(offset >= 0, "AddPositions: offset \(offset) is negative")
    self.offset = offset
  }

  /// The output gradient passes to `x` as it is; the table's reads only `dy`.
  @inlinable
  public static var backwardReadsOutput: Bool { false }

  /// Checks the shapes; returns `(batch, time, width)`.
  @inlinable
  func dimensions(_ x: Tensor<Scalar>, _ table: Tensor<Scalar>) -> (Int, Int, Int) {
    tensorPrecondition(
      x.rank == 3 && table.rank == 2 && x.shape[2] == table.shape[1],
      "AddPositions: x of shape \(describe(shape: x.shape)) does not fit a table of shape "
        + "\(describe(shape: table.shape)); expected x [batch, time, \(table.shape.last ?? 0)]")
    tensorPrecondition(
      offset + x.shape[1] <= table.shape[0],
      "AddPositions: positions \(offset)..<\(offset + x.shape[1]) exceed the table's "
        + "\(table.shape[0]) positions (maximum length)")
    return (x.shape[0], x.shape[1], x.shape[2])
  }

  /// `x + table[offset ..< offset + time]`, broadcast over the batch.
  @inlinable
  public func forward(_ x: Tensor<Scalar>, _ table: Tensor<Scalar>) -> Tensor<Scalar> {
    let (batch, time, width) = dimensions(x, table)
    return Tensor(shape: x.shape, operation: "AddPositions") { y in
      addPositionRows(
        x.baseAddress, table: table.baseAddress, offset: offset, into: y, batch: batch,
        time: time, width: width)
    }
  }

  /// `(dy, dtable)`, `dtable` the batch sums of `dy` in rows `offset ..< offset + time`.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ table: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let (batch, time, width) = dimensions(x, table)
    let dtable = Tensor(shape: table.shape, operation: "AddPositions.backward") { dtable in
      sumPositionGradients(
        dy.baseAddress, into: dtable, length: table.shape[0], offset: offset, batch: batch,
        time: time, width: width)
    }
    return (dy, dtable)
  }
}

extension Variable {
  /// `self + table[offset ..< offset + time]`, the rows of a `[length, width]` position table
  /// added to every sequence of this `[batch, time, width]` batch (see `AddPositions`).
  @inlinable
  public consuming func addingPositions(_ table: Variable, offset: Int = 0) -> Variable {
    AddPositions(offset: offset)(self, table)
  }
}
