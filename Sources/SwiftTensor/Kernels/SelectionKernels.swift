// The loops of the selection operations (max/min along an axis, where, masked fill, gather,
// scatter-add, cumulative sum). Gather and scatter-add read and write through flat offsets that
// `SelectionKernels.offsets` computes once from the indices: that work is on integers only, so
// it needs no specialisation, and the scalar loops left are one line each.

/// Loops over the scalars of the selection operations; reached through the dispatchers below.
enum SelectionKernels {
  /// `destination[k] = source[offsets[k]]` for every `k`. O(count).
  static func gather<S: TensorScalar>(
    _ source: UnsafePointer<S>, offsets: UnsafePointer<Int>, count: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    for k in 0..<count { destination[k] = source[offsets[k]] }
  }

  /// `destination[offsets[k]] += source[k]` for every `k`, in order of `k` (repeated offsets
  /// accumulate). O(count).
  static func scatterAdd<S: TensorScalar>(
    _ source: UnsafePointer<S>, offsets: UnsafePointer<Int>, count: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    for k in 0..<count { destination[offsets[k]] += source[k] }
  }

  /// `destination[k] = mask[k] != 0 ? a[k] : b[k]`: a branch, not `a·m + b·(1 - m)`, so an
  /// infinity or NaN in the operand not chosen does not leak into the result. O(count).
  static func select<S: TensorScalar>(
    _ mask: UnsafePointer<S>, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, count: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    for k in 0..<count { destination[k] = mask[k] != 0 ? a[k] : b[k] }
  }

  /// `destination[k] = (mask[k] != 0) == whereSet ? value : source[k]`; `destination` may be
  /// `source`. O(count).
  static func fill<S: TensorScalar>(
    _ source: UnsafePointer<S>, mask: UnsafePointer<S>, whereSet: Bool, value: S, count: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    for k in 0..<count { destination[k] = (mask[k] != 0) == whereSet ? value : source[k] }
  }

  /// Running sums along the middle axis of a `[outer, length, inner]` view, from the last
  /// position backwards when `reversed`; `destination` may be `source`. Rows of `inner`
  /// contiguous scalars are added at once, so the inner loop runs over contiguous memory.
  /// O(outer·length·inner).
  static func cumulativeSum<S: TensorScalar>(
    _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int, reversed: Bool,
    _ destination: UnsafeMutablePointer<S>
  ) {
    for o in 0..<outer {
      let from = source + o * length * inner
      let to = destination + o * length * inner
      for step in 0..<length {
        let row = (reversed ? length - 1 - step : step) * inner
        if step == 0 {
          for i in 0..<inner { to[row + i] = from[row + i] }
        } else {
          let previous = reversed ? row + inner : row - inner
          for i in 0..<inner { to[row + i] = to[previous + i] + from[row + i] }
        }
      }
    }
  }

  /// The position of the first scalar that is neither 0 nor 1, if any. O(count).
  static func firstNonBinary<S: TensorScalar>(_ mask: UnsafePointer<S>, count: Int) -> Int? {
    for k in 0..<count where mask[k] != 0 && mask[k] != 1 { return k }
    return nil
  }

  /// The flat offsets, in a tensor of `shape`, that `torch.gather(input, axis, index)` reads:
  /// position `p` of the index (of shape `indexShape`, same rank, each dimension other than
  /// `axis` at most `shape`'s) reads `shape`'s position with the index's coordinates, except
  /// `indices[p]` along `axis`. Stops with a message naming `operation` on an index outside
  /// `0..<shape[axis]`. O(indices.count + rank).
  static func offsets(
    shape: [Int], axis: Int, indices: [Int], indexShape: [Int], operation: String
  ) -> [Int] {
    let strides = contiguousStrides(shape)
    let rank = shape.count
    var coordinates = Array(repeating: 0, count: rank)
    // The offset of the current coordinates with the coordinate along `axis` left out.
    var base = 0
    var offsets = [Int](repeating: 0, count: indices.count)
    for (position, index) in indices.enumerated() {
      if index < 0 || index >= shape[axis] {
        tensorFailure(
          "\(operation): index \(index) at flat position \(position) of the indices "
            + "\(describe(shape: indexShape)) is out of range for axis \(axis) of the input "
            + "\(describe(shape: shape)) (valid indices: 0..<\(shape[axis]))")
      }
      offsets[position] = base + index * strides[axis]
      // Next coordinates, row-major (an odometer): the last axis turns fastest.
      var d = rank - 1
      while d >= 0 {
        coordinates[d] += 1
        if d != axis { base += strides[d] }
        if coordinates[d] < indexShape[d] { break }
        if d != axis { base -= coordinates[d] * strides[d] }
        coordinates[d] = 0
        d -= 1
      }
    }
    return offsets
  }

  /// The flat offsets of the positions `arguments` picks along the middle axis of a
  /// `[outer, length, inner]` view (one per `[outer, inner]` position, row-major, as
  /// `argmax(axis:)` returns them). O(outer·inner).
  static func offsets(arguments: [Int], outer: Int, length: Int, inner: Int) -> [Int] {
    var offsets = [Int](repeating: 0, count: arguments.count)
    for o in 0..<outer {
      for i in 0..<inner {
        let k = o * inner + i
        offsets[k] = (o * length + arguments[k]) * inner + i
      }
    }
    return offsets
  }

  private static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
      strides[axis] = stride
      stride *= shape[axis]
    }
    return strides
  }
}

/// One selection loop, named with its pointers: the dispatchers below take one of these so that
/// each scalar type needs one non-generic entry point for all of them.
@usableFromInline
enum SelectionKernel<S: TensorScalar> {
  /// `SelectionKernels.gather`: destination, source, offsets, count.
  case gather(UnsafeMutablePointer<S>, UnsafePointer<S>, offsets: UnsafePointer<Int>, count: Int)
  /// `SelectionKernels.scatterAdd`: destination, source, offsets, count.
  case scatterAdd(
    UnsafeMutablePointer<S>, UnsafePointer<S>, offsets: UnsafePointer<Int>, count: Int)
  /// `SelectionKernels.select`: destination, mask, a, b, count.
  case select(UnsafeMutablePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, Int)
  /// `SelectionKernels.fill`: destination, source, mask, whether to fill where set, value,
  /// count.
  case fill(UnsafeMutablePointer<S>, UnsafePointer<S>, UnsafePointer<S>, Bool, S, Int)
  /// `SelectionKernels.cumulativeSum`: destination, source, outer, length, inner, reversed.
  case cumulativeSum(UnsafeMutablePointer<S>, UnsafePointer<S>, Int, Int, Int, Bool)
  /// `SelectionKernels.firstNonBinary`: mask, count; the answer is written to the pointer.
  case firstNonBinary(UnsafePointer<S>, Int, UnsafeMutablePointer<Int?>)

  /// Runs the loop, compiled for `S`.
  func run() {
    switch self {
    case .gather(let destination, let source, let offsets, let count):
      SelectionKernels.gather(source, offsets: offsets, count: count, destination)
    case .scatterAdd(let destination, let source, let offsets, let count):
      SelectionKernels.scatterAdd(source, offsets: offsets, count: count, destination)
    case .select(let destination, let mask, let a, let b, let count):
      SelectionKernels.select(mask, a, b, count: count, destination)
    case .fill(let destination, let source, let mask, let whereSet, let value, let count):
      SelectionKernels.fill(
        source, mask: mask, whereSet: whereSet, value: value, count: count, destination)
    case .cumulativeSum(let destination, let source, let outer, let length, let inner, let rev):
      SelectionKernels.cumulativeSum(
        source, outer: outer, length: length, inner: inner, reversed: rev, destination)
    case .firstNonBinary(let mask, let count, let answer):
      answer.pointee = SelectionKernels.firstNonBinary(mask, count: count)
    }
  }
}

extension TensorScalar {
  /// Runs a selection loop: in specialised code one direct call to the entry point compiled
  /// for `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _selectionKernel(_ kernel: SelectionKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.selection(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.selection(reinterpret(kernel))
    } else {
      GenericKernels.selection(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func selection(_ kernel: SelectionKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func selection(_ kernel: SelectionKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func selection<S: TensorScalar>(_ kernel: SelectionKernel<S>) { kernel.run() }
}
