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
}
