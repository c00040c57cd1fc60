import SwiftTensorCKernels

extension GEMM {
  /// The next depth block of an operand, brought toward the cache a few lines per micro-tile
  /// while the current block computes.
  ///
  /// A weight gradient's `xᵀ` comes from activations written long before, out of cache: packed
  /// on demand, its rows arrive at memory latency, while the micro-kernels leave the memory bus
  /// idle. Spreading the next block's lines over the current block's tiles overlaps the two.
  struct BlockPrefetch {
    private let base: UnsafeRawPointer?
    private let stride: Int
    private let linesPerRow: Int
    private let total: Int
    private var issued = 0
    private var perTile = 0

    /// Nothing to prefetch.
    static var none: BlockPrefetch { BlockPrefetch(base: nil, stride: 0, linesPerRow: 1, total: 0) }

    private init(base: UnsafeRawPointer?, stride: Int, linesPerRow: Int, total: Int) {
      self.base = base
      self.stride = stride
      self.linesPerRow = linesPerRow
      self.total = total
    }

    /// The block of op(A) at `rows` x `depth`, read from `a` with leading dimension `lda`.
    init<S>(
      transposed: Bool, _ a: UnsafePointer<S>, lda: Int, rows: Range<Int>, depth: Range<Int>
    ) {
      // op(A)[i, p] is a[p lda + i] when transposed, else a[i lda + p]: rows of memory run
      // along the depth or along the rows of op(A).
      let (memoryRows, memoryColumns) = transposed ? (depth, rows) : (rows, depth)
      let start = a + memoryRows.lowerBound * lda + memoryColumns.lowerBound
      let bytes = memoryColumns.count * MemoryLayout<S>.stride
      // One line more than the bytes need covers a start in the middle of a line.
      let lines = (bytes + 63) / 64 + 1
      self.init(
        base: UnsafeRawPointer(start), stride: lda * MemoryLayout<S>.stride, linesPerRow: lines,
        total: memoryRows.isEmpty || bytes == 0 ? 0 : lines * memoryRows.count)
    }

    /// Spreads the lines evenly over `tiles` calls of `step()`. O(1).
    mutating func spread(over tiles: Int) {
      perTile = tiles > 0 ? (total - issued + tiles - 1) / tiles : 0
    }

    /// Issues the next share of lines. O(lines per tile).
    @inline(__always)
    mutating func step() {
      guard issued < total, let base else { return }
      let count = min(perTile, total - issued)
      swifttensor_prefetch_block(base, stride, linesPerRow, issued, count)
      issued += count
    }
  }
}
