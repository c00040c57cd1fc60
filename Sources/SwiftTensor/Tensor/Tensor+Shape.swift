extension Tensor {
  /// The same scalars with a new shape; one dimension may be `-1`, meaning "whatever is left".
  ///
  /// - Precondition: the new shape holds exactly `scalarCount` scalars.
  /// - Complexity: O(1); the buffer is shared.
  public func reshaped(to newShape: [Int]) -> Tensor {
    var newShape = newShape
    let inferred = newShape.indices.filter { newShape[$0] == -1 }
    tensorPrecondition(
      inferred.count <= 1,
      "reshape: at most one dimension may be -1, got \(describe(shape: newShape))")
    if let axis = inferred.first {
      let known = newShape.enumerated().filter { $0.offset != axis }.map(\.element)
      let knownCount = Tensor.elementCount(of: known, operation: "reshape")
      tensorPrecondition(
        knownCount != 0 && scalarCount % knownCount == 0,
        "reshape: cannot reshape a tensor of shape \(describe(shape: shape)) "
          + "(\(scalarCount) scalars) to \(describe(shape: newShape))")
      newShape[axis] = scalarCount / knownCount
    }
    let count = Tensor.elementCount(of: newShape, operation: "reshape")
    tensorPrecondition(
      count == scalarCount,
      "reshape: cannot reshape a tensor of shape \(describe(shape: shape)) "
        + "(\(scalarCount) scalars) to \(describe(shape: newShape)) (\(count) scalars)")
    return Tensor(shape: newShape, storage: storage)
  }

  /// The scalars as a 1-D tensor.
  public func flattened() -> Tensor { reshaped(to: [scalarCount]) }

  /// The tensor with its axes reordered: axis `i` of the result is axis `permutation[i]` here.
  ///
  /// - Precondition: `permutation` is a permutation of `0..<rank` (negative axes allowed).
  /// - Complexity: O(`scalarCount`); the result is a contiguous copy.
  public func transposed(permutation: [Int]) -> Tensor {
    tensorPrecondition(
      permutation.count == rank,
      "transpose: permutation \(permutation) has \(permutation.count) axes, "
        + "but the tensor of shape \(describe(shape: shape)) has \(rank)")
    let axes = permutation.map { normalize(axis: $0, operation: "transpose") }
    tensorPrecondition(
      Set(axes).count == rank,
      "transpose: \(permutation) is not a permutation of the axes of a rank-\(rank) tensor")
    let strides = Tensor.contiguousStrides(of: shape)
    return gathered(shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] })
  }

  /// The tensor with its axes in reverse order; a matrix's transpose.
  public func transposed() -> Tensor { transposed(permutation: Array((0..<rank).reversed())) }

  /// The tensor with the size-1 dimension at `axis` removed.
  ///
  /// - Precondition: `shape[axis] == 1`.
  public func squeezed(axis: Int) -> Tensor {
    let axis = normalize(axis: axis, operation: "squeeze")
    tensorPrecondition(
      shape[axis] == 1,
      "squeeze: axis \(axis) of shape \(describe(shape: shape)) has size \(shape[axis]), "
        + "expected 1")
    var newShape = shape
    newShape.remove(at: axis)
    return Tensor(shape: newShape, storage: storage)
  }

  /// The tensor with every size-1 dimension removed.
  public func squeezed() -> Tensor { Tensor(shape: shape.filter { $0 != 1 }, storage: storage) }

  /// The tensor with a new size-1 dimension inserted at `axis` (`-1` appends one).
  public func unsqueezed(axis: Int) -> Tensor {
    let axis = normalize(axis: axis, operation: "unsqueeze", rank: rank + 1)
    var newShape = shape
    newShape.insert(1, at: axis)
    return Tensor(shape: newShape, storage: storage)
  }

  /// The tensor repeated along new or size-1 dimensions to fill `newShape`, by numpy's rules.
  ///
  /// - Precondition: `shape` broadcasts to `newShape`.
  /// - Complexity: O(product of `newShape`).
  public func broadcasted(to newShape: [Int]) -> Tensor {
    if newShape == shape { return self }
    let result = Tensor.broadcastShape(shape, newShape, operation: "broadcast")
    tensorPrecondition(
      result == newShape,
      "broadcast: cannot broadcast shape \(describe(shape: shape)) to "
        + "\(describe(shape: newShape))")
    return gathered(shape: newShape, strides: broadcastStrides(to: newShape))
  }

  /// Joins tensors along an existing axis.
  ///
  /// - Precondition: at least one tensor; all shapes equal except along `axis`.
  public static func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    tensorPrecondition(!tensors.isEmpty, "concatenate: needs at least one tensor")
    let first = tensors[0]
    let axis = first.normalize(axis: axis, operation: "concatenate")
    for (index, tensor) in tensors.enumerated() {
      var a = first.shape
      var b = tensor.shape
      let sameRank = a.count == b.count
      if sameRank {
        a.remove(at: axis)
        b.remove(at: axis)
      }
      tensorPrecondition(
        sameRank && a == b,
        "concatenate: tensor \(index) has shape \(describe(shape: tensor.shape)), which does not "
          + "match \(describe(shape: first.shape)) except along axis \(axis)")
    }
    var shape = first.shape
    shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    let total = shape[axis] * inner
    return Tensor(shape: shape, operation: "concatenate") { base in
      var offset = 0
      for tensor in tensors {
        let chunk = tensor.shape[axis] * inner
        tensor.withUnsafeBufferPointer { source in
          guard let source = source.baseAddress, chunk > 0 else { return }
          for o in 0..<outer {
            (base + o * total + offset).update(from: source + o * chunk, count: chunk)
          }
        }
        offset += chunk
      }
    }
  }

  /// Joins tensors of the same shape along a new axis.
  ///
  /// - Precondition: at least one tensor; all shapes equal.
  public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    tensorPrecondition(!tensors.isEmpty, "stack: needs at least one tensor")
    for (index, tensor) in tensors.enumerated() where tensor.shape != tensors[0].shape {
      tensorFailure(
        "stack: tensor \(index) has shape \(describe(shape: tensor.shape)), expected "
          + "\(describe(shape: tensors[0].shape)) like tensor 0")
    }
    let axis = tensors[0].normalize(axis: axis, operation: "stack", rank: tensors[0].rank + 1)
    return concatenate(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
  }

  /// Splits the tensor along `axis` into pieces of the given sizes.
  ///
  /// - Precondition: `sizes` are non-negative and add up to `shape[axis]`.
  public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
    let axis = normalize(axis: axis, operation: "split")
    tensorPrecondition(
      sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[axis],
      "split: sizes \(sizes) do not add up to \(shape[axis]), the size of axis \(axis) of "
        + "shape \(describe(shape: shape))")
    var start = 0
    return sizes.map { size in
      defer { start += size }
      return slice(axis: axis, range: start..<(start + size))
    }
  }

  /// Splits the tensor along `axis` into `count` equal pieces.
  ///
  /// - Precondition: `shape[axis]` is divisible by `count`.
  public func split(count: Int, axis: Int = 0) -> [Tensor] {
    let normalized = normalize(axis: axis, operation: "split")
    tensorPrecondition(
      count > 0 && shape[normalized] % count == 0,
      "split: axis \(normalized) of shape \(describe(shape: shape)) (size "
        + "\(shape[normalized])) cannot be split into \(count) equal pieces")
    return split(
      sizes: Array(repeating: shape[normalized] / count, count: count), axis: normalized)
  }

  // MARK: - Internals

  /// Copies a strided view of this tensor's buffer into a new contiguous tensor.
  @inlinable
  func gathered(shape newShape: [Int], strides: [Int], offset: Int = 0) -> Tensor {
    Tensor(shape: newShape) { base in
      if newShape.contains(0) { return }
      Scalar._gatherKernel(
        baseAddress + offset, strides: strides, base, shape: newShape)
    }
  }

  /// numpy's broadcast result of two shapes, or a stop naming `operation` and both shapes.
  @inlinable
  static func broadcastShape(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
    if a == b { return a }
    let rank = Swift.max(a.count, b.count)
    var result = Array(repeating: 0, count: rank)
    for i in 0..<rank {
      let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      tensorPrecondition(
        x == y || x == 1 || y == 1,
        "\(operation): shapes \(describe(shape: a)) and \(describe(shape: b)) cannot be "
          + "broadcast together (dimension \(x) vs \(y))")
      result[i] = x == 1 ? y : x
    }
    return result
  }

  /// Strides that read this tensor as if broadcast to `target`: 0 along repeated dimensions.
  @inlinable
  func broadcastStrides(to target: [Int]) -> [Int] {
    let own = Tensor.contiguousStrides(of: shape)
    let lead = target.count - rank
    return target.indices.map { i in
      i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
    }
  }
}
