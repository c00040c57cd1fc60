// Reductions along axes. A reduced axis disappears from the shape, or stays as size 1 with
// `keepingDimensions: true` (so the result broadcasts back against the input).

extension Tensor {
  /// Sum of all scalars, as a rank-0 tensor (0 for an empty tensor).
  public func sum() -> Tensor { reduced(.sum, overall: "sum") }
  /// Sum of the squares of all scalars (the squared L2 norm), as a rank-0 tensor, computed
  /// without a temporary tensor.
  public func sumOfSquares() -> Tensor { reduced(.sumOfSquares, overall: "sumOfSquares") }
  /// Mean of all scalars, as a rank-0 tensor (NaN for an empty tensor, as numpy).
  public func mean() -> Tensor { sum() / Scalar(scalarCount) }
  /// Largest scalar, as a rank-0 tensor; NaN if any scalar is NaN.
  ///
  /// - Precondition: the tensor is not empty.
  public func max() -> Tensor { reduced(.max, overall: "max") }
  /// Smallest scalar, as a rank-0 tensor; NaN if any scalar is NaN.
  ///
  /// - Precondition: the tensor is not empty.
  public func min() -> Tensor { reduced(.min, overall: "min") }

  /// Sums along the given axes (negative counts from the end).
  ///
  /// - Precondition: every axis is in range and appears once.
  public func sum(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
    reduced(.sum, axes: axes, keepingDimensions: keepingDimensions, operation: "sum")
  }
  /// Sums along `axis`.
  public func sum(axis: Int, keepingDimensions: Bool = false) -> Tensor {
    sum(axes: [axis], keepingDimensions: keepingDimensions)
  }
  /// Means along the given axes.
  public func mean(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
    let normalized = axes.map { normalize(axis: $0, operation: "mean") }
    let count = normalized.reduce(1) { $0 * shape[$1] }
    return sum(axes: axes, keepingDimensions: keepingDimensions) / Scalar(count)
  }
  /// Means along `axis`.
  public func mean(axis: Int, keepingDimensions: Bool = false) -> Tensor {
    mean(axes: [axis], keepingDimensions: keepingDimensions)
  }
  /// Largest scalars along `axis`; NaN where the line holds a NaN.
  ///
  /// - Precondition: `shape[axis] > 0`.
  public func max(axis: Int, keepingDimensions: Bool = false) -> Tensor {
    reduced(.max, axes: [axis], keepingDimensions: keepingDimensions, operation: "max")
  }
  /// Smallest scalars along `axis`; NaN where the line holds a NaN.
  ///
  /// - Precondition: `shape[axis] > 0`.
  public func min(axis: Int, keepingDimensions: Bool = false) -> Tensor {
    reduced(.min, axes: [axis], keepingDimensions: keepingDimensions, operation: "min")
  }

  /// Position of the largest scalar along `axis` for every other position, in row-major order
  /// of the remaining axes (for a `[batch, classes]` tensor and `axis: 1`, one class per row).
  ///
  /// The first position wins ties; a NaN counts as largest, as in numpy.
  /// - Precondition: `shape[axis] > 0`.
  public func argmax(axis: Int) -> [Int] { argReduced(largest: true, axis: axis, "argmax") }
  /// Position of the smallest scalar along `axis`; see `argmax(axis:)`.
  public func argmin(axis: Int) -> [Int] { argReduced(largest: false, axis: axis, "argmin") }
  /// Flat row-major position of the largest scalar.
  ///
  /// - Precondition: the tensor is not empty.
  public func argmax() -> Int { flattened().argReduced(largest: true, axis: 0, "argmax")[0] }
  /// Flat row-major position of the smallest scalar.
  ///
  /// - Precondition: the tensor is not empty.
  public func argmin() -> Int { flattened().argReduced(largest: false, axis: 0, "argmin")[0] }

  // MARK: - Internals

  private func reduced(_ kind: ReduceKernel, overall operation: String) -> Tensor {
    tensorPrecondition(
      kind == .sum || kind == .sumOfSquares || scalarCount > 0,
      "\(operation): the tensor of shape \(describe(shape: shape)) is empty")
    return flattened().reducing(kind, axis: 0)
  }

  private func reduced(
    _ kind: ReduceKernel, axes: [Int], keepingDimensions: Bool, operation: String
  ) -> Tensor {
    let normalized = axes.map { normalize(axis: $0, operation: operation) }
    tensorPrecondition(
      Set(normalized).count == normalized.count,
      "\(operation): axes \(axes) repeat an axis of shape \(describe(shape: shape))")
    for axis in normalized where kind == .max || kind == .min {
      tensorPrecondition(
        shape[axis] > 0,
        "\(operation): axis \(axis) of shape \(describe(shape: shape)) is empty")
    }
    var result = self
    // Largest axis first, so the remaining axis numbers stay valid.
    for axis in normalized.sorted(by: >) {
      result = result.reducing(kind, axis: axis)
    }
    if keepingDimensions {
      var kept = shape
      for axis in normalized { kept[axis] = 1 }
      return result.reshaped(to: kept)
    }
    return result
  }

  /// Reduces one (normalised) axis away.
  private func reducing(_ kind: ReduceKernel, axis: Int) -> Tensor {
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    var newShape = shape
    newShape.remove(at: axis)
    return Tensor(shape: newShape) { base in
      if outer * inner == 0 { return }
      Scalar._reduceKernel(
        kind, baseAddress, outer: outer, length: shape[axis], inner: inner, base)
    }
  }

  private func argReduced(largest: Bool, axis: Int, _ operation: String) -> [Int] {
    let axis = normalize(axis: axis, operation: operation)
    tensorPrecondition(
      shape[axis] > 0,
      "\(operation): axis \(axis) of shape \(describe(shape: shape)) is empty")
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    return [Int](unsafeUninitializedCapacity: outer * inner) { buffer, count in
      if outer * inner > 0, let destination = buffer.baseAddress {
        Scalar._argReduceKernel(
          largest: largest, baseAddress, outer: outer, length: shape[axis], inner: inner,
          destination)
      }
      count = outer * inner
    }
  }
}

extension Tensor {
  /// Sums this tensor down to `targetShape`, the adjoint of broadcasting `targetShape` to this
  /// tensor's shape: leading axes are summed away and axes of size 1 in `targetShape` are summed
  /// with their dimension kept. Gradients of broadcasting operations pass through here.
  ///
  /// - Precondition: `targetShape` broadcasts to `shape`.
  @inlinable
  public func unbroadcasted(to targetShape: [Int]) -> Tensor {
    // Inlined for the common case, equal shapes (every element-wise gradient passes here).
    if targetShape == shape { return self }
    return summed(toBroadcastShape: targetShape)
  }

  /// `unbroadcasted(to:)` for shapes that differ.
  @usableFromInline
  func summed(toBroadcastShape targetShape: [Int]) -> Tensor {
    let lead = rank - targetShape.count
    tensorPrecondition(
      lead >= 0
        && targetShape.indices.allSatisfy {
          targetShape[$0] == shape[$0 + lead] || targetShape[$0] == 1
        },
      "unbroadcast: shape \(describe(shape: targetShape)) does not broadcast to "
        + "\(describe(shape: shape))")
    var axes = Array(0..<lead)
    for axis in targetShape.indices where targetShape[axis] == 1 && shape[axis + lead] != 1 {
      axes.append(axis + lead)
    }
    return (axes.isEmpty ? self : sum(axes: axes)).reshaped(to: targetShape)
  }
}
