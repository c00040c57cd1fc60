/// Strided copies: transposes, permutations, slices and broadcasts materialise through here.
enum CopyKernels {
  static func gather<S: TensorScalar>(
    _ source: UnsafePointer<S>, strides: [Int], _ destination: UnsafeMutablePointer<S>,
    shape: [Int]
  ) {
    let (shape, collapsed) = StridedLoops.collapse(shape: shape, strides: [strides])
    let innerStride = collapsed[0][shape.count - 1]
    let rowLength = shape[shape.count - 1]
    StridedLoops.forEachRow(shape: shape, strides: collapsed) { offsets, d in
      let from = source + offsets[0]
      let to = destination + d
      switch innerStride {
      case 1: to.update(from: from, count: rowLength)
      case 0: to.update(repeating: from[0], count: rowLength)
      default:
        for i in 0..<rowLength { to[i] = from[i * innerStride] }
      }
    }
  }

  /// Copies `count` contiguous elements of a trivial type (a whole tensor). O(count).
  static func copy<S>(
    _ source: UnsafePointer<S>, to destination: UnsafeMutablePointer<S>, count: Int
  ) {
    UnsafeMutableRawPointer(destination).copyMemory(
      from: source, byteCount: count * MemoryLayout<S>.stride)
  }

  /// Copies `rows` rows of `width` contiguous elements between buffers whose rows start
  /// `stride` elements apart. O(rows·width).
  static func copyRows<S>(
    _ rows: Int, width: Int, from source: UnsafePointer<S>, stride sourceStride: Int,
    to destination: UnsafeMutablePointer<S>, stride destinationStride: Int
  ) {
    for row in 0..<rows {
      copy(source + row * sourceStride, to: destination + row * destinationStride, count: width)
    }
  }

  /// Copies row `indices[k]` of `source` (rows of `width` contiguous elements) to row `k` of
  /// `destination`: a gather along the first axis (embedding lookups, dataset batches).
  /// O(indices.count·width).
  static func gatherRows<S>(
    _ source: UnsafePointer<S>, width: Int, at indices: [Int],
    into destination: UnsafeMutablePointer<S>
  ) {
    for (row, index) in indices.enumerated() {
      copy(source + index * width, to: destination + row * width, count: width)
    }
  }
}
