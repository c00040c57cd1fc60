#if arch(x86_64)
  import SwiftTensorCKernels
#endif

// The macro-kernel for Float products whose untransposed A the C micro-kernel reads in place
// (`swifttensor_sgemm_kernel_6x16_rows` in `gemm_kernels.c`): only a last panel of fewer than
// six rows is packed.
extension GEMM {
  /// Whether `multiply` skips packing A: an untransposed Float A on the C kernels. O(1).
  @inline(__always)
  static func readsAInPlace<S: TensorScalar>(_: S.Type, transposed: Bool, useC: Bool) -> Bool {
    #if arch(x86_64)
      return useC && !transposed && S.self == Float.self
    #else
      return false
    #endif
  }

  /// Whether `multiply` can start each row's sums at a bias for these arguments: the micro-kernels
  /// reading A in place do (a non-transposed Float A, packed path, `k > 0`). O(1).
  static func fusesBias<S: TensorScalar>(
    _: S.Type, transposeA: Bool, m: Int, n: Int, k: Int, kernel: GEMMKernelChoice = .automatic
  ) -> Bool {
    guard kernel == .automatic || kernel == .packed || kernel == .packedAVX2, k > 0 else {
      return false
    }
    if kernel == .automatic && isSmall(m: m, n: n, k: k) { return false }
    return readsAInPlace(S.self, transposed: transposeA, useC: hasFastKernel)
  }

  /// `macroKernel` with A's block `rows × depth` read from the row-major `a` itself.
  /// `scratch` holds one packed panel (`mr × depth.count`) for a short last panel. A `bias`
  /// (`n` values, indexed by C's columns) starts every row's sums: pass it only with alpha 1
  /// and beta 0, for the first depth block. O(rows × columns × depth).
  static func macroKernelReadingA<S: TensorScalar>(
    wide: Bool, rows: Range<Int>, columns: Range<Int>, depth: Range<Int>, alpha: S, beta: S,
    _ a: UnsafePointer<S>, lda: Int, _ packedB: UnsafePointer<S>,
    _ c: UnsafeMutablePointer<S>, ldc: Int, tile: UnsafeMutablePointer<S>,
    scratch: UnsafeMutablePointer<S>, bias: UnsafePointer<S>?
  ) {
    let nr = nr(S.self)
    let kc = depth.count
    let fullRows = rows.lowerBound + (rows.count / mr) * mr
    // A short last panel is packed only for a narrow last column panel; against full-width
    // panels the short-rows kernel reads it in place.
    if fullRows < rows.upperBound && columns.count % nr != 0 {
      packA(
        transposed: false, a, lda: lda, rows: fullRows..<rows.upperBound, depth: depth,
        into: scratch)
    }
    // Against full-width panels, a last panel of one or two rows and the full one before it
    // go as two shorter ones (4 + 3 or 4 + 4 rows): the short-rows kernel keeps too few
    // accumulators busy for one or two rows (a 32-sample batch is 5 x 6 + 2).
    let remainder = rows.count % mr
    let pairedTail =
      (1...2).contains(remainder) && rows.count > mr ? fullRows - mr : rows.upperBound
    // The rows of the full tile after the one at row `i` (full tiles end at `end`), which the
    // kernels fetch while they compute: after the last, the block's first, for the next panel.
    func rowsAfter(_ i: Int, fullTilesEnd end: Int) -> UnsafePointer<S> {
      a + (i + mr < end ? i + mr : rows.lowerBound) * lda + depth.lowerBound
    }
    for (q, j) in stride(from: columns.lowerBound, to: columns.upperBound, by: nr).enumerated() {
      let width = min(nr, columns.upperBound - j)
      let panelB = packedB + q * nr * kc
      if wide && pairsPanel(q, at: j, nr: nr, columns: columns) {
        // Two full panels as 6 x 32 tiles (the second was computed with the first), and the
        // short rows below them in 32-column tiles too.
        guard q % 2 == 0 else { continue }
        let tails =
          pairedTail < rows.upperBound
          ? [pairedTail, pairedTail + (rows.upperBound - pairedTail + 1) / 2, rows.upperBound]
          : [fullRows, rows.upperBound]
        for i in stride(from: rows.lowerBound, to: tails[0], by: mr) {
          runWideReadingA(
            k: kc, a + i * lda + depth.lowerBound, lda: lda, panelB, panelStride: nr * kc,
            bias: bias.map { $0 + j }, c + i * ldc + j, ldc: ldc, alpha: alpha, beta: beta,
            next: rowsAfter(i, fullTilesEnd: tails[0]))
        }
        for (start, end) in zip(tails, tails.dropFirst()) where start < end {
          runWideShortRows(
            rows: end - start, k: kc, a + start * lda + depth.lowerBound, rowStride: lda,
            depthStride: 1, panelB, panelStride: nr * kc, bias: bias.map { $0 + j },
            c + start * ldc + j, ldc: ldc, alpha: alpha, beta: beta)
        }
        continue
      }
      if width == nr && pairedTail < rows.upperBound {
        for i in stride(from: rows.lowerBound, to: pairedTail, by: mr) {
          runReadingA(
            k: kc, a + i * lda + depth.lowerBound, lda: lda, panelB, bias: bias.map { $0 + j },
            c + i * ldc + j, ldc: ldc, alpha: alpha, beta: beta,
            next: rowsAfter(i, fullTilesEnd: pairedTail))
        }
        let middle = pairedTail + (rows.upperBound - pairedTail + 1) / 2
        for (start, end) in [(pairedTail, middle), (middle, rows.upperBound)] {
          runShortRows(
            rows: end - start, k: kc, a + start * lda + depth.lowerBound, rowStride: lda,
            depthStride: 1, panelB, bias: bias.map { $0 + j }, c + start * ldc + j, ldc: ldc,
            alpha: alpha, beta: beta)
        }
        continue
      }
      for i in stride(from: rows.lowerBound, to: rows.upperBound, by: mr) {
        let full = i < fullRows
        let direct = full && width == nr
        let target = direct ? c + i * ldc + j : tile
        let targetStride = direct ? ldc : nr
        let targetBeta = direct ? beta : 0
        if full {
          runReadingA(
            k: kc, a + i * lda + depth.lowerBound, lda: lda, panelB,
            bias: direct ? bias.map { $0 + j } : nil, target, ldc: targetStride, alpha: alpha,
            beta: targetBeta, next: rowsAfter(i, fullTilesEnd: fullRows))
        } else if width == nr {
          runShortRows(
            rows: rows.upperBound - i, k: kc, a + i * lda + depth.lowerBound, rowStride: lda,
            depthStride: 1, panelB, bias: bias.map { $0 + j }, c + i * ldc + j, ldc: ldc,
            alpha: alpha, beta: beta)
          continue
        } else {
          runMicroKernel(
            useC: true, k: kc, scratch, panelB, tile, ldc: nr, alpha: alpha, beta: 0)
        }
        guard !direct else { continue }
        mergeEdgeTile(
          tile, height: min(mr, rows.upperBound - i), width: width, beta: beta,
          bias: bias.map { $0 + j }, into: c + i * ldc + j, ldc: ldc)
      }
    }
  }

  /// One 6 x 16 Float tile with A's six rows read in place, fetching the six rows at `next`
  /// (the tile computed next) meanwhile. O(k).
  @inline(__always)
  static func runReadingA<S: TensorScalar>(
    k: Int, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, bias: UnsafePointer<S>?,
    _ c: UnsafeMutablePointer<S>, ldc: Int, alpha: S, beta: S, next: UnsafePointer<S>
  ) {
    #if arch(x86_64)
      let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
      let b = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
      let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
      let bias = bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
      let next = UnsafeRawPointer(next).assumingMemoryBound(to: Float.self)
      swifttensor_sgemm_kernel_6x16_rows(
        k, a, lda, b, bias, c, ldc, Float(alpha), Float(beta), next)
    #else
      preconditionFailure("GEMM: A is read in place only on x86_64")
    #endif
  }

  /// The last `rows` (fewer than six) rows of a Float tile written into C, `A[r][p]` at
  /// `a[r * rowStride + p * depthStride]` (A in place, or a packed panel). O(k).
  @inline(__always)
  static func runShortRows<S: TensorScalar>(
    rows: Int, k: Int, _ a: UnsafePointer<S>, rowStride: Int, depthStride: Int,
    _ b: UnsafePointer<S>, bias: UnsafePointer<S>? = nil, _ c: UnsafeMutablePointer<S>,
    ldc: Int, alpha: S, beta: S
  ) {
    #if arch(x86_64)
      let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
      let b = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
      let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
      let bias = bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
      swifttensor_sgemm_kernel_short_rows(
        rows, k, a, rowStride, depthStride, b, bias, c, ldc, Float(alpha), Float(beta))
    #else
      preconditionFailure("GEMM: the short-rows kernel exists only on x86_64")
    #endif
  }

  /// Adds the valid `height × width` corner of an edge tile (row stride `nr`), computed with
  /// beta 0, into C: the micro-kernel always writes a full tile. A `bias` (`width` values) is
  /// added to each row (with beta 0). O(height × width).
  @inline(__always)
  static func mergeEdgeTile<S: TensorScalar>(
    _ tile: UnsafePointer<S>, height: Int, width: Int, beta: S, bias: UnsafePointer<S>? = nil,
    into target: UnsafeMutablePointer<S>, ldc: Int
  ) {
    let nr = nr(S.self)
    for y in 0..<height {
      let out = target + y * ldc
      let source = tile + y * nr
      if let bias {
        for x in 0..<width { out[x] = source[x] + bias[x] }
      } else if beta == 0 {
        for x in 0..<width { out[x] = source[x] }
      } else {
        for x in 0..<width { out[x] = source[x] + beta * out[x] }
      }
    }
  }
}
