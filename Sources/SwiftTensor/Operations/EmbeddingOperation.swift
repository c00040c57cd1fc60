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
  /// The registered name of the layer's table (`embedding_0/table`), if the lookup is an
  /// `Embedding` layer's: messages start with the layer's path, built only when one is raised.
  let tableName: String

  /// Creates the lookup of `ids` arranged in `shape`.
  ///
  /// - Precondition: `shape`'s element count is `ids.count`.
  public init(ids: [Int], shape: [Int]) { self.init(ids: ids, shape: shape, tableName: "") }

  /// Creates the lookup for the layer whose table is named `tableName`.
  init(ids: [Int], shape: [Int], tableName: String) {
    tensorPrecondition(
      Tensor<Scalar>.elementCount(
        of: shape, operation: layerPathPrefix(named: tableName) + "Embedding") == ids.count,
      layerPathPrefix(named: tableName)
        + "Embedding: \(ids.count) ids do not fill the shape \(describe(shape: shape))")
    self.ids = ids
    idShape = shape
    self.tableName = tableName
  }

  /// Creates the lookup of the ids held, as integral values, by `ids`.
  ///
  /// - Precondition: every value is an integer that fits in `Int`.
  public init(ids: Tensor<Scalar>) { self.init(ids: ids, tableName: "") }

  /// Creates the lookup of the ids in `ids` for the layer whose table is named `tableName`.
  /// Specialised: layers call it from unspecialised code, where each id's conversion went
  /// through generic integer witnesses (microseconds per batch of a character model).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  init(ids: Tensor<Scalar>, tableName: String) {
    let values = ids.scalars
    var integers: [Int] = []
    integers.reserveCapacity(values.count)
    for (position, value) in values.enumerated() {
      // `Int(exactly:)` rejects fractions, NaN, infinities and values beyond `Int`, any of
      // which would trap in `Int(_:)` with no word of the embedding.
      guard let id = Int(exactly: value) else {
        tensorFailure(
          layerPathPrefix(named: tableName)
            + "Embedding: id \(value) at flat position \(position) is not an integer that fits in "
            + "Int (ids of shape \(describe(shape: ids.shape)))")
      }
      integers.append(id)
    }
    self.init(ids: integers, shape: ids.shape, tableName: tableName)
  }

  /// The rows of `table` for the ids.
  public func forward(_ table: Tensor<Scalar>) -> Tensor<Scalar> {
    tensorPrecondition(
      table.rank == 2,
      layerPathPrefix(named: tableName)
        + "Embedding: table of shape \(describe(shape: table.shape)); expected [vocabulary, dimension]"
    )
    let (vocabulary, dimension) = (table.shape[0], table.shape[1])
    for (position, id) in ids.enumerated() where !(0..<vocabulary).contains(id) {
      tensorFailure(
        layerPathPrefix(named: tableName)
          + "Embedding: id \(id) at flat position \(position) is outside the vocabulary of "
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
