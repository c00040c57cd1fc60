/// Looks up rows of a table: ids of any shape `[d1, ..., dn]` and a table `[vocabulary,
/// dimension]` give `[d1, ..., dn, dimension]` (pytensor's `Embedding`).
///
/// The ids are part of the operation (like a loss's labels), so the table is its only input.
/// Derivative: `dtable[v] = Σ_{k: ids[k] = v} dy[k]`; rows no id uses get 0.
///
/// The backward pass writes the table's gradient directly: one zero-filled tensor of the
/// table's shape (which *is* the gradient, since gradients here are dense) and one scatter-add
/// of the `ids.count` used rows, with no other vocabulary-sized temporary. The fill costs
/// `O(vocabulary·dimension)` per step; a sparse gradient would avoid it for huge vocabularies,
/// but optimisers such as Adam update every row anyway (their moments decay), so dense it is.
public struct EmbeddingLookup<Scalar: TensorScalar>: UnaryOperation {
  /// The ids, row-major.
  public let ids: [Int]
  /// The shape of the ids.
  public let idShape: [Int]

  /// Creates the lookup of `ids` arranged in `shape`.
  ///
  /// - Precondition: `shape`'s element count is `ids.count`.
  public init(ids: [Int], shape: [Int]) {
    tensorPrecondition(
      shape.reduce(1, *) == ids.count && shape.allSatisfy { $0 >= 0 },
      "Embedding: \(ids.count) ids do not fill the shape \(describe(shape: shape))")
    self.ids = ids
    idShape = shape
  }

  /// Creates the lookup of the ids held, as integral values, by `ids`.
  ///
  /// - Precondition: every value is an integer.
  public init(ids: Tensor<Scalar>) {
    let values = ids.scalars
    var integers: [Int] = []
    integers.reserveCapacity(values.count)
    for (position, value) in values.enumerated() {
      tensorPrecondition(
        value.rounded() == value && value.isFinite,
        "Embedding: id \(value) at flat position \(position) is not an integer")
      integers.append(Int(value))
    }
    self.init(ids: integers, shape: ids.shape)
  }

  /// The rows of `table` for the ids.
  public func forward(_ table: Tensor<Scalar>) -> Tensor<Scalar> {
    tensorPrecondition(
      table.rank == 2,
      "Embedding: table of shape \(describe(shape: table.shape)); expected [vocabulary, dimension]")
    let (vocabulary, dimension) = (table.shape[0], table.shape[1])
    for (position, id) in ids.enumerated() where !(0..<vocabulary).contains(id) {
      tensorFailure(
        "Embedding: id \(id) at flat position \(position) is outside the vocabulary of "
          + "\(vocabulary) tokens (valid ids: 0..<\(vocabulary))")
    }
    return Tensor(shape: idShape + [dimension], operation: "Embedding") { destination in
      CopyKernels.gatherRows(table.baseAddress, width: dimension, at: ids, into: destination)
    }
  }

  /// The scatter-add of `dy`'s rows into a zero table.
  public func backward(
    _ table: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let gradient = Tensor<Scalar>.zeros(shape: table.shape)
    ids.withUnsafeBufferPointer { idPointer in
      guard let base = idPointer.baseAddress else { return }
      Scalar._scatterAddRowsKernel(
        dy.baseAddress, ids: base, count: ids.count, width: table.shape[1], gradient.baseAddress)
    }
    return gradient
  }
}

extension Variable {
  /// The rows of this table (`[vocabulary, dimension]`) for `ids` arranged in `shape`:
  /// `[shape..., dimension]`; see `EmbeddingLookup`.
  public func embedding(ids: [Int], shape: [Int]) -> Variable {
    EmbeddingLookup(ids: ids, shape: shape)(self)
  }
}
