// Selection: scalars picked by a mask or by indices along an axis, and running sums. A mask is a
// tensor of the same scalar type holding only 0 and 1 (what the comparisons `.<`, `.>=`, ...
// return); indices along an axis are `[Int]` in row-major order with their shape beside them.
// Their differentiable forms are in `Operations/SelectionOperations.swift`.

extension Tensor {
  /// `a` where `mask` is 1 and `b` where it is 0 (numpy's `where`, PyTorch's `torch.where`).
  ///
  /// `mask`, `a` and `b` broadcast together by numpy's rules; the result has their broadcast
  /// shape. The operand not chosen is never read into arithmetic, so an infinity or NaN there
  /// does not leak into the result.
  ///
  /// ```swift
  /// let x: Tensor<Float> = [-1, 2, -3]
  /// Tensor.where(x .> 0, x, Tensor(0))   // [0, 2, 0]
  /// ```
  /// - Precondition: every scalar of `mask` is 0 or 1, and the shapes broadcast together.
  /// - Complexity: O(n) in the broadcast shape's element count.
  public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    mask.checkMask(operation: "where")
    return selecting(checkedMask: mask, a, b)
  }

  /// This tensor with `value` where `mask` is 1 (PyTorch's `masked_fill`).
  ///
  /// - Parameters:
  ///   - mask: 0s and 1s whose shape broadcasts to this tensor's shape.
  ///   - value: the scalar written where `mask` is 1.
  /// - Precondition: every scalar of `mask` is 0 or 1, and its shape broadcasts to `shape`.
  /// - Complexity: O(n).
  public func maskedFill(_ mask: Tensor, _ value: Scalar) -> Tensor {
    filled(where: mask.broadcastMask(to: shape, operation: "maskedFill"), value: value)
  }

  /// The scalars at `indices` along `axis` (PyTorch's `torch.gather(input, axis, index)`): the
  /// result has shape `indexShape` and, for a rank-3 tensor and `axis: 1`,
  /// `result[i, j, k] = self[i, indices[i, j, k], k]`.
  ///
  /// - Parameters:
  ///   - axis: the axis the indices run along (negative counts from the end).
  ///   - indices: positions along `axis`, in row-major order of `indexShape`.
  ///   - indexShape: the result's shape: this tensor's rank, each dimension other than `axis`
  ///     at most this tensor's.
  /// - Precondition: the shapes agree as above and every index is in `0..<shape[axis]`.
  /// - Complexity: O(indices.count).
  public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
    gathering(
      offsets: gatherOffsets(axis: axis, indices: indices, indexShape: indexShape, "gather")
    )
    .reshaped(to: indexShape)
  }

  /// This tensor with `source`'s scalars added at `indices` along `axis` (PyTorch's
  /// `torch.scatter_add(input, axis, index, source)`), the adjoint of `gather`: for a rank-3
  /// tensor and `axis: 1`, `result[i, indices[i, j, k], k] += source[i, j, k]`; indices that
  /// repeat accumulate.
  ///
  /// - Parameters:
  ///   - source: the scalars to add; its shape is the indices' shape (PyTorch also allows a
  ///     larger source and ignores the rest; here the shapes must be equal).
  ///   - axis: the axis the indices run along.
  ///   - indices: positions along `axis`, one per scalar of `source`, row-major.
  /// - Precondition: as `gather(axis:indices:indexShape:)` with `source.shape` as the index shape.
  /// - Complexity: O(n + indices.count).
  public func scatterAdding(_ source: Tensor, axis: Int, indices: [Int]) -> Tensor {
    let offsets = gatherOffsets(
      axis: axis, indices: indices, indexShape: source.shape, "scatterAdd")
    return scatteringAdd(source, offsets: offsets)
  }

  /// Running sums along `axis` (numpy's and PyTorch's `cumsum`): `result[..., i, ...]` is the
  /// sum of `self[..., 0...i, ...]`, or of `self[..., i..., ...]` when `reversed`. Sums
  /// accumulate in `Scalar`, in order along the axis.
  ///
  /// - Precondition: `axis` is in range.
  /// - Complexity: O(n).
  public func cumulativeSum(axis: Int, reversed: Bool = false) -> Tensor {
    let axis = normalize(axis: axis, operation: "cumulativeSum")
    let (outer, length, inner) = (
      shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *)
    )
    return Tensor(shape: shape, operation: "cumulativeSum") { destination in
      Scalar._selectionKernel(
        .cumulativeSum(destination, baseAddress, outer, length, inner, reversed))
    }
  }

  // MARK: - Internals the operations share

  /// Stops unless every scalar is 0 or 1, naming `operation`, the first offending value and its
  /// position.
  @usableFromInline
  func checkMask(operation: String) {
    var first: Int? = nil
    withUnsafeMutablePointer(to: &first) { answer in
      Scalar._selectionKernel(.firstNonBinary(baseAddress, scalarCount, answer))
    }
    if let first {
      tensorFailure(
        "\(operation): mask value \(baseAddress[first]) at flat position \(first) is neither "
          + "0 nor 1 (mask of shape \(describe(shape: shape)); build masks with comparisons "
          + "such as .> or .==)")
    }
  }

  /// `a` where `mask` (already checked to hold only 0s and 1s) is 1, else `b`, broadcasting.
  @usableFromInline
  static func selecting(checkedMask mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = broadcastShape(
      broadcastShape(mask.shape, a.shape, operation: "where"), b.shape, operation: "where")
    let (m, x, y) = (
      mask.broadcasted(to: shape), a.broadcasted(to: shape), b.broadcasted(to: shape)
    )
    return Tensor(shape: shape, operation: "where") { destination in
      Scalar._selectionKernel(
        .select(destination, m.baseAddress, x.baseAddress, y.baseAddress, m.scalarCount))
    }
  }

  /// This mask, checked (unless `checking` is false: an operation checked it when created),
  /// repeated to `target` (which it must broadcast to without growing it).
  @usableFromInline
  func broadcastMask(to target: [Int], operation: String, checking: Bool = true) -> Tensor {
    if checking { checkMask(operation: operation) }
    tensorPrecondition(
      Tensor.broadcastShape(shape, target, operation: operation) == target,
      "\(operation): mask of shape \(describe(shape: shape)) does not broadcast to the "
        + "input's shape \(describe(shape: target))")
    return broadcasted(to: target)
  }

  /// This tensor with `value` where `mask` (a checked 0/1 mask of the same shape) is 1, or is 0
  /// when `whereSet` is false; written in place when the buffer is not shared.
  @usableFromInline
  consuming func filled(where mask: Tensor, whereSet: Bool = true, value: Scalar) -> Tensor {
    var result = self
    result.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      Scalar._selectionKernel(
        .fill(base, base, mask.baseAddress, whereSet, value, buffer.count))
    }
    return result
  }

  /// The flat offsets that `gather` reads (and `scatterAdd` writes) in this tensor, after
  /// checking the axis, the index shape and every index, naming `operation`.
  @usableFromInline
  func gatherOffsets(axis: Int, indices: [Int], indexShape: [Int], _ operation: String) -> [Int] {
    let axis = normalize(axis: axis, operation: operation)
    let count = Tensor.elementCount(of: indexShape, operation: operation)
    tensorPrecondition(
      count == indices.count,
      "\(operation): \(indices.count) indices do not fill the index shape "
        + "\(describe(shape: indexShape)) (\(count) positions)")
    tensorPrecondition(
      indexShape.count == rank
        && indexShape.indices.allSatisfy { $0 == axis || indexShape[$0] <= shape[$0] },
      "\(operation): index shape \(describe(shape: indexShape)) does not fit the input "
        + "\(describe(shape: shape)) along axis \(axis) (expected rank \(rank) and each "
        + "dimension other than \(axis) at most the input's)")
    return SelectionKernels.offsets(
      shape: shape, axis: axis, indices: indices, indexShape: indexShape, operation: operation)
  }

  /// The scalars at `offsets`, as a rank-1 tensor.
  @usableFromInline
  func gathering(offsets: [Int]) -> Tensor {
    Tensor(shape: [offsets.count], operation: "gather") { destination in
      offsets.withUnsafeBufferPointer { offsets in
        guard let base = offsets.baseAddress else { return }
        Scalar._selectionKernel(
          .gather(destination, baseAddress, offsets: base, count: offsets.count))
      }
    }
  }

  /// This tensor with `source`'s scalars (row-major, one per offset) added at `offsets`;
  /// written in place when the buffer is not shared.
  @usableFromInline
  consuming func scatteringAdd(_ source: Tensor, offsets: [Int]) -> Tensor {
    var result = self
    result.withUnsafeMutableBufferPointer { buffer in
      offsets.withUnsafeBufferPointer { offsets in
        guard let base = buffer.baseAddress, let offsetBase = offsets.baseAddress else { return }
        Scalar._selectionKernel(
          .scatterAdd(base, source.baseAddress, offsets: offsetBase, count: offsets.count))
      }
    }
    return result
  }
}
