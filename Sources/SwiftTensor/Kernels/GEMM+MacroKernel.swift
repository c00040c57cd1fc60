#if arch(x86_64)
  import SwiftTensorCKernels
#endif

// The macro-kernel over packed A and B blocks, and the 6 x 32 AVX-512 tiles that take two
// full B panels at once where the CPU runs them (`gemm_kernels_avx512.c`).
extension GEMM {
  /// Multiplies one packed A block by packed B micro-panels into the matching part of C.
  ///
  /// `packedB` starts at the micro-panel of `columns.lowerBound`.
  /// The jr loop is outside the ir loop so that one B micro-panel stays in L1 while the whole
  /// A block streams from L2. With `wide`, two full panels side by side go through one 6 x 32
  /// tile (the same bits as two 6 x 16 ones). O(rows x columns x kc) time.
  @inline(__always)
  static func macroKernel<S: TensorScalar>(
    useC: Bool, wide: Bool, rows: Range<Int>, columns: Range<Int>, kc: Int, alpha: S, beta: S,
    _ packedA: UnsafePointer<S>, _ packedB: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
    ldc: Int, tile: UnsafeMutablePointer<S>, prefetch: inout BlockPrefetch
  ) {
    let nr = nr(S.self)
    prefetch.spread(over: ((columns.count + nr - 1) / nr) * ((rows.count + mr - 1) / mr))
    for (q, j) in stride(from: columns.lowerBound, to: columns.upperBound, by: nr).enumerated() {
      let paired = wide && pairsPanel(q, at: j, nr: nr, columns: columns)
      // The second panel of a pair was computed with the first.
      if paired && q % 2 == 1 { continue }
      let width = min(nr, columns.upperBound - j)
      let panelB = packedB + q * nr * kc
      for (r, i) in stride(from: rows.lowerBound, to: rows.upperBound, by: mr).enumerated() {
        let height = min(mr, rows.upperBound - i)
        let panelA = packedA + r * mr * kc
        let target = c + i * ldc + j
        prefetch.step()
        if paired {
          prefetch.step()
          if height == mr {
            runWideTile(
              k: kc, panelA, panelB, panelStride: nr * kc, target, ldc: ldc, alpha: alpha,
              beta: beta)
          } else {
            runWideShortRows(
              rows: height, k: kc, panelA, rowStride: 1, depthStride: mr, panelB,
              panelStride: nr * kc, target, ldc: ldc, alpha: alpha, beta: beta)
          }
        } else if height == mr && width == nr {
          runMicroKernel(
            useC: useC, k: kc, panelA, panelB, target, ldc: ldc, alpha: alpha, beta: beta)
        } else if useC && S.self == Float.self && width == nr {
          runShortRows(
            rows: height, k: kc, panelA, rowStride: 1, depthStride: mr, panelB, target,
            ldc: ldc, alpha: alpha, beta: beta)
        } else {
          // A narrow edge: a full tile into scratch, its valid part merged into C.
          runMicroKernel(useC: useC, k: kc, panelA, panelB, tile, ldc: nr, alpha: alpha, beta: 0)
          mergeEdgeTile(tile, height: height, width: width, beta: beta, into: target, ldc: ldc)
        }
      }
    }
  }

  /// Whether the 6 x 32 AVX-512 tiles run for `S` on this CPU: Float with `CPU.hasAVX512F`.
  /// O(1).
  @inline(__always)
  static func runsWideTiles<S: TensorScalar>(_: S.Type) -> Bool {
    S.self == Float.self && CPU.hasAVX512F
  }

  /// Whether panel `q` (first column `j`) of `columns` belongs to a pair of full panels: panels
  /// pair up from the first, 0 with 1, 2 with 3, and a pair needs both full. O(1).
  @inline(__always)
  static func pairsPanel(_ q: Int, at j: Int, nr: Int, columns: Range<Int>) -> Bool {
    q % 2 == 0 ? j + 2 * nr <= columns.upperBound : j + nr <= columns.upperBound
  }

  /// One 6 x 32 Float tile from a packed A panel and two packed B panels `panelStride` apart.
  /// O(k).
  @inline(__always)
  static func runWideTile<S: TensorScalar>(
    k: Int, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, panelStride: Int,
    _ c: UnsafeMutablePointer<S>, ldc: Int, alpha: S, beta: S
  ) {
    #if arch(x86_64)
      swifttensor_sgemm_kernel_6x32_avx512(
        k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), panelStride,
        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, Float(alpha),
        Float(beta))
    #else
      preconditionFailure("GEMM: the 6 x 32 tiles exist only on x86_64")
    #endif
  }

  /// The last `rows` (fewer than six) rows of a 6 x 32 Float tile over two B panels
  /// `panelStride` apart, `A[r][p]` at `a[r * rowStride + p * depthStride]`; a `bias`
  /// (32 values) starts the sums. O(k).
  @inline(__always)
  static func runWideShortRows<S: TensorScalar>(
    rows: Int, k: Int, _ a: UnsafePointer<S>, rowStride: Int, depthStride: Int,
    _ b: UnsafePointer<S>, panelStride: Int, bias: UnsafePointer<S>? = nil,
    _ c: UnsafeMutablePointer<S>, ldc: Int, alpha: S, beta: S
  ) {
    #if arch(x86_64)
      swifttensor_sgemm_kernel_short_rows_32_avx512(
        rows, k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), rowStride,
        depthStride, UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), panelStride,
        bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, Float(alpha),
        Float(beta))
    #else
      preconditionFailure("GEMM: the 6 x 32 tiles exist only on x86_64")
    #endif
  }

  /// One 6 x 32 Float tile with A's six rows read in place (row stride `lda`) and two packed B
  /// panels `panelStride` apart; a `bias` (32 values) starts the sums. The six rows at `next`
  /// (the tile computed next) are fetched meanwhile. O(k).
  @inline(__always)
  static func runWideReadingA<S: TensorScalar>(
    k: Int, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, panelStride: Int,
    bias: UnsafePointer<S>?, _ c: UnsafeMutablePointer<S>, ldc: Int, alpha: S, beta: S,
    next: UnsafePointer<S>
  ) {
    #if arch(x86_64)
      swifttensor_sgemm_kernel_6x32_rows_avx512(
        k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), panelStride,
        bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, Float(alpha),
        Float(beta), UnsafeRawPointer(next).assumingMemoryBound(to: Float.self))
    #else
      preconditionFailure("GEMM: the 6 x 32 tiles exist only on x86_64")
    #endif
  }
}
