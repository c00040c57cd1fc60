// Large element-wise passes split between the cores: a pass over a few megabytes is bound by
// memory bandwidth, of which a second core brings more, and it lasts far longer than starting
// a region of the worker pool.

extension ElementwiseKernels {
  /// From this many scalars (1 MiB of `Float`s) a contiguous pass is split between the cores.
  static let parallelCount = 1 << 18

  /// Runs `body(start, count)` over `count` scalars cut into one share per core, each share a
  /// multiple of 64 scalars but the last (so every share starts on a vector boundary and the
  /// results are those of one pass), and returns true; returns false, having done nothing,
  /// below `parallelCount` or on one core. O(1) beyond `body`.
  static func splitting(
    _ count: Int, _ body: @escaping @Sendable (_ start: Int, _ count: Int) -> Void
  ) -> Bool {
    let threads = GEMM.coreCount
    guard count >= parallelCount, threads > 1 else { return false }
    WorkerPool.shared.runShares(of: count, threads: threads, alignment: 64) { _, share in
      body(share.lowerBound, share.count)
    }
    return true
  }

  /// Runs `body` on each thread's share of the columns `0..<columns` of a `[rows, columns]`
  /// pass (shares a multiple of 64 columns but the last), or once on all of them below
  /// `parallelCount` scalars, under 128 columns, or on one thread. A pass that handles each
  /// column alone (column sums, row after row) gives the results of one thread. O(threads)
  /// synchronisation beyond `body`.
  static func forEachColumnShare(
    rows: Int, columns: Int, threads: Int = GEMM.coreCount, _ body: (Range<Int>) -> Void
  ) {
    guard threads > 1, columns >= 128, rows * columns >= parallelCount else {
      return body(0..<columns)
    }
    WorkerPool.shared.runShares(of: columns, threads: threads, alignment: 64) { _, share in
      body(share)
    }
  }

  /// Runs `body` on each thread's share of the rows `0..<rows` of a `[rows, columns]` pass, or
  /// once on all of them below `parallelCount` scalars, for one row, or on one thread. O(threads)
  /// synchronisation beyond `body`.
  static func forEachRowShare(
    rows: Int, columns: Int, threads: Int = GEMM.coreCount, _ body: (Range<Int>) -> Void
  ) {
    guard threads > 1, rows > 1, rows * columns >= parallelCount else { return body(0..<rows) }
    WorkerPool.shared.runShares(of: rows, threads: threads) { _, share in body(share) }
  }
}
