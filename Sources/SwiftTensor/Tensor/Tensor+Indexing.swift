/// Something that selects along one axis of a tensor: an `Int` (which removes the axis) or a
/// range of `Int` (which keeps it).
///
/// Negative numbers count from the end, as in numpy: `-1` is the last index, `(-2)...` the last
/// two. Use `0...` to keep a whole axis: `t[0..., 1]` is the second column of a matrix.
public protocol TensorIndexExpression {
  /// The selected positions along an axis of size `dimension`, and whether the axis is kept;
  /// `nil` if out of bounds.
  func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)?
}

extension Int: TensorIndexExpression {
  /// Selects one position; negative counts from the end.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    let index = self < 0 ? self + dimension : self
    guard index >= 0 && index < dimension else { return nil }
    return (index..<(index + 1), false)
  }
}

extension TensorIndexExpression {
  fileprivate func resolveBounds(
    _ lower: Int, _ upper: Int, _ dimension: Int
  )
    -> (range: Range<Int>, keepsAxis: Bool)?
  {
    let lower = lower < 0 ? lower + dimension : lower
    let upper = upper < 0 ? upper + dimension : upper
    guard lower >= 0 && upper <= dimension && lower <= upper else { return nil }
    return (lower..<upper, true)
  }
}

extension Range: TensorIndexExpression where Bound == Int {
  /// Selects `lowerBound..<upperBound`; negative bounds count from the end.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    resolveBounds(lowerBound, upperBound, dimension)
  }
}

extension ClosedRange: TensorIndexExpression where Bound == Int {
  /// Selects `lowerBound...upperBound`; negative bounds count from the end.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    let upper = upperBound < 0 ? upperBound + dimension : upperBound
    return resolveBounds(lowerBound, upper + 1, dimension)
  }
}

extension PartialRangeFrom: TensorIndexExpression where Bound == Int {
  /// Selects from `lowerBound` to the end.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    resolveBounds(lowerBound, dimension, dimension)
  }
}

extension PartialRangeUpTo: TensorIndexExpression where Bound == Int {
  /// Selects from the start up to, not including, `upperBound`.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    resolveBounds(0, upperBound, dimension)
  }
}

extension PartialRangeThrough: TensorIndexExpression where Bound == Int {
  /// Selects from the start through `upperBound`.
  public func resolve(dimension: Int) -> (range: Range<Int>, keepsAxis: Bool)? {
    let upper = upperBound < 0 ? upperBound + dimension : upperBound
    return resolveBounds(0, upper + 1, dimension)
  }
}

extension Tensor {
  /// Reads a sub-tensor: one index or range per leading axis; the remaining axes are kept whole.
  ///
  /// ```swift
  /// let m: Tensor<Float> = [[1, 2, 3], [4, 5, 6]]
  /// m[1]          // [4, 5, 6], shape [3]
  /// m[0..., 1]    // [2, 5], shape [2]
  /// m[1, 2]       // 6, shape []
  /// m[..<1, 1...] // [[2, 3]], shape [1, 2]
  /// ```
  ///
  /// - Precondition: no more expressions than axes; every index and range within bounds.
  /// - Complexity: O(size of the result); the result is a copy.
  public subscript(_ indices: any TensorIndexExpression...) -> Tensor { self[indices] }

  /// Reads a sub-tensor; see the variadic subscript.
  public subscript(_ indices: [any TensorIndexExpression]) -> Tensor {
    tensorPrecondition(
      indices.count <= rank,
      "subscript: \(indices.count) indices for a tensor of shape \(describe(shape: shape))")
    let strides = Tensor.contiguousStrides(of: shape)
    var offset = 0
    var newShape: [Int] = []
    var newStrides: [Int] = []
    for axis in 0..<rank {
      guard axis < indices.count else {
        newShape.append(shape[axis])
        newStrides.append(strides[axis])
        continue
      }
      guard let (range, keepsAxis) = indices[axis].resolve(dimension: shape[axis]) else {
        tensorFailure(
          "subscript: index \(indices[axis]) is out of range for axis \(axis) of shape "
            + "\(describe(shape: shape))")
      }
      offset += range.lowerBound * strides[axis]
      if keepsAxis {
        newShape.append(range.count)
        newStrides.append(strides[axis])
      }
    }
    return gathered(shape: newShape, strides: newStrides, offset: offset)
  }

  /// The scalar at the given position, one index per axis (negative counts from the end).
  ///
  /// - Precondition: exactly `rank` indices, each within bounds.
  /// - Complexity: O(`rank`).
  public func scalar(at indices: Int...) -> Scalar {
    tensorPrecondition(
      indices.count == rank,
      "scalar(at:): \(indices.count) indices for a tensor of shape \(describe(shape: shape)), "
        + "expected \(rank)")
    var offset = 0
    for axis in 0..<rank {
      let index = indices[axis] < 0 ? indices[axis] + shape[axis] : indices[axis]
      tensorPrecondition(
        index >= 0 && index < shape[axis],
        "scalar(at:): index \(indices[axis]) is out of range for axis \(axis) of shape "
          + "\(describe(shape: shape))")
      offset = offset * shape[axis] + index
    }
    return baseAddress[offset]
  }

  /// The positions `range` along `axis`, keeping the axis.
  ///
  /// - Precondition: `range` lies within `0...shape[axis]`.
  public func slice(axis: Int, range: Range<Int>) -> Tensor {
    let axis = normalize(axis: axis, operation: "slice")
    tensorPrecondition(
      range.lowerBound >= 0 && range.upperBound <= shape[axis],
      "slice: range \(range) is out of bounds for axis \(axis) of shape "
        + "\(describe(shape: shape))")
    let strides = Tensor.contiguousStrides(of: shape)
    var newShape = shape
    newShape[axis] = range.count
    return gathered(shape: newShape, strides: strides, offset: range.lowerBound * strides[axis])
  }
}
