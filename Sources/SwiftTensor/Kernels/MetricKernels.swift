/// Loops behind training metrics, which run on every step's output.
enum MetricKernels {
  /// The number of rows of `scores` (`[rows, classes]`) whose first largest score (or first
  /// NaN, as `argmax`) is at the column `labels[row]`.
  ///
  /// - Precondition: `scores` has rank 2 and `labels.count` equals its row count.
  /// - Complexity: O(rows · classes); allocates nothing on the heap.
  @usableFromInline
  static func argmaxMatchCount<Scalar: TensorScalar>(
    _ scores: Tensor<Scalar>, labels: [Int]
  )
    -> Int
  {
    let (rows, classes) = (scores.shape[0], scores.shape[1])
    guard rows > 0, classes > 0 else { return 0 }
    // A stack buffer for the predictions: a heap array per step is measurable at batch 1.
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: rows) { predicted in
      scores.withUnsafeBufferPointer { source in
        guard let source = source.baseAddress, let destination = predicted.baseAddress else {
          return
        }
        Scalar._argReduceKernel(
          largest: true, source, outer: rows, length: classes, inner: 1, destination)
      }
      var matches = 0
      for row in 0..<rows where predicted[row] == labels[row] { matches += 1 }
      return matches
    }
  }
}
