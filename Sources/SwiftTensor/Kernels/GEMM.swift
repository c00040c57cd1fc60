import Foundation
import SwiftTensorCKernels

/// Which micro-kernel `GEMM.multiply` runs.
///
/// Only tests pass anything but `.automatic`: on a CPU with AVX2+FMA the C kernel would
/// otherwise hide the portable Swift kernel from them.
enum GEMMKernelChoice: Sendable {
  /// The unpacked path for small products (its AVX2+FMA C version when this CPU has it);
  /// otherwise packed, with the AVX2+FMA C kernel when this CPU has it, else the portable Swift
  /// kernel.
  case automatic
  /// Always packed, with the AVX2+FMA C kernel when this CPU has it.
  case packed
  /// Always packed, with the AVX2+FMA 6 x 16 C kernels even where the 6 x 32 AVX-512 ones
  /// would run (so tests cover both on an AVX-512 CPU).
  case packedAVX2
  /// Always packed, with the portable Swift kernel.
  case portable
  /// Always the unpacked path for small products, in portable Swift.
  case small
  /// Always the unpacked path, with its AVX2+FMA C version when this CPU has it (and the
  /// operands are not both transposed).
  case smallC
}

/// General matrix multiplication, packed and blocked in the style of BLIS.
///
/// op(B) is cut into `kc x nc` blocks and op(A) into `mc x kc` blocks; each block is packed
/// into a contiguous buffer of micro-panels (6 rows of A, `nr` columns of B, zero-padded at the
/// edges), sized so that a packed A block stays in L2 and one B micro-panel in L1 while the
/// register-tiled micro-kernel sweeps them.
enum GEMM {
  /// Rows per micro-tile.
  static let mr = 6
  /// Depth of a packed block: one B micro-panel (`kc x nr`) is 16 KiB, half of L1.
  static let kcMax = 256
  /// Columns of a packed B block, a multiple of both values of `nr` (16 and 8).
  static let ncMax = 4080

  /// Whether the C micro-kernels can run here (`CPU.hasAVX2FMA`). O(1).
  static var hasFastKernel: Bool { CPU.hasAVX2FMA }

  /// Columns per micro-tile: two vectors (16 `Float`s or 8 `Double`s).
  @inline(__always)
  static func nr<S: TensorScalar>(_: S.Type) -> Int { 2 * S.Vector.scalarCount }

  /// Rows of a packed A block: 144 x 256 `Float`s or 72 x 256 `Double`s is 144 KiB, well
  /// inside the 512 KiB L2.
  @inline(__always)
  static func mcMax<S: TensorScalar>(_: S.Type) -> Int { MemoryLayout<S>.size == 4 ? 144 : 72 }

  /// Threads available to one GEMM: `SWIFTTENSOR_NUM_THREADS` if set (as `OMP_NUM_THREADS`
  /// for OpenBLAS), else the active cores; read once because `ProcessInfo` is not free to query.
  static let coreCount: Int = {
    let environment = ProcessInfo.processInfo.environment["SWIFTTENSOR_NUM_THREADS"]
    let requested = environment.flatMap { Int($0) } ?? ProcessInfo.processInfo.activeProcessorCount
    return max(1, requested)
  }()

  /// Below this many multiply-adds (n = 128 for a square product) a second thread costs more
  /// than it saves, with the spinning `WorkerPool` (with parked workers, woken per region, the
  /// break-even was higher); the measurements are in docs/PERFORMANCE.md.
  static let parallelThreshold = 128 * 128 * 128

  /// From this many multiply-adds per (`nc`, `kc`) block (a 256 x 512 x 256 block), threads
  /// take work in small chunks rather than in equal shares.
  static let dynamicThreshold = 1 << 25

  /// `C = alpha * op(A) * op(B) + beta * C`; see `TensorScalar._gemm` for the contract.
  ///
  /// `threads` 0 chooses by problem size and core count; tests pass other values, and a lower
  /// `dynamicThreshold`, to exercise the partitioning on small problems. A `bias` (`n` values)
  /// makes it `C = op(A) * op(B) + bias` on every row, where `fusesBias` holds; a
  /// `columnSumsOfB` (`n` values) gets each column of op(B) added, its rows in order, while B
  /// is packed (an affine map's bias gradient along with its weight gradient). O(m x n x k) time;
  /// O(kc x (nc + threads x mc)) temporary memory for the packed blocks.
  static func multiply<S: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int, kernel: GEMMKernelChoice = .automatic,
    threads: Int = 0, dynamicThreshold: Int = dynamicThreshold, bias: UnsafePointer<S>? = nil,
    columnSumsOfB: UnsafeMutablePointer<S>? = nil
  ) {
    precondition(
      bias == nil
        || fusesBias(S.self, transposeA: transposeA, m: m, n: n, k: k, kernel: kernel)
          && alpha == 1 && beta == 0,
      "GEMM: a bias is added only where fusesBias holds, with alpha 1 and beta 0")
    guard m > 0, n > 0 else { return }
    let small = kernel == .automatic && isSmall(m: m, n: n, k: k)
    let packsB =
      k > 0 && alpha != 0 && !transposeB && !small && kernel != .small
      && kernel != .smallC
    if let columnSumsOfB, !packsB {
      // Paths that do not pack a non-transposed B.
      addColumnSums(ofB: b, transposed: transposeB, ldb: ldb, k: k, n: n, into: columnSumsOfB)
    }
    guard k > 0, alpha != 0 else {
      scale(m: m, n: n, beta: beta, c, ldc: ldc)
      return
    }
    if kernel == .small || kernel == .smallC || small {
      if (small || kernel == .smallC) && hasFastKernel
        && multiplySmallC(
          transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a,
          lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
      {
        return
      }
      multiplySmall(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a,
        lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
      return
    }
    let useC = kernel != .portable && hasFastKernel
    let readsA = readsAInPlace(S.self, transposed: transposeA, useC: useC)
    let wide = useC && kernel != .packedAVX2 && runsWideTiles(S.self)
    let nr = nr(S.self)
    let mcMax = mcMax(S.self)
    let threads =
      threads > 0 ? threads : (m * n * k >= parallelThreshold ? coreCount : 1)
    // Equal depth blocks: k = 300 becomes 150 + 150 rather than 256 + 44, whose short block
    // would spend as long writing C as computing.
    // A pair of B panels for the 6 x 32 tiles over packed A is half of L1 at half the depth.
    let kcLimit = wide && !readsA ? kcMax / 2 : kcMax
    let kcBlocks = (k + kcLimit - 1) / kcLimit
    let kcStep = (k + kcBlocks - 1) / kcBlocks
    let ncAlloc = min(ncMax, roundUp(n, nr))
    let mcAlloc = min(mcMax, roundUp(m, mr))
    // Each thread packs its own A blocks and has its own edge tile; packed B is shared.
    let perThread = kcStep * mcAlloc + mr * nr
    let elements = kcStep * ncAlloc + threads * perThread
    // Two work counters follow the blocks, each on its own cache line.
    let countersOffset = roundUp(elements * MemoryLayout<S>.stride, 64)
    let raw = ScratchBuffer(byteCount: countersOffset + 128)
    defer { raw.free() }
    // Workers share these pointers; they are safe to share because each worker reads A, B
    // and packed B, and writes only its own scratch, the parts of packed B and C it claimed
    // through a counter, and the counters (atomically).
    nonisolated(unsafe) let packedB = raw.address.bindMemory(to: S.self, capacity: elements)
    nonisolated(unsafe) let scratch = packedB + kcStep * ncAlloc
    nonisolated(unsafe) let packCounter = (raw.address + countersOffset).bindMemory(
      to: Int.self, capacity: 16)
    nonisolated(unsafe) let tileCounter = packCounter + 8
    nonisolated(unsafe) let a = a
    nonisolated(unsafe) let b = b
    nonisolated(unsafe) let c = c
    nonisolated(unsafe) let bias = bias
    nonisolated(unsafe) let columnSums = packsB ? columnSumsOfB : nil

    for jc in stride(from: 0, to: n, by: ncMax) {
      let columns = jc..<min(n, jc + ncMax)
      for pc in stride(from: 0, to: k, by: kcStep) {
        let depth = pc..<min(k, pc + kcStep)
        // Later depth blocks accumulate onto what the first one wrote.
        let blockBeta: S = pc == 0 ? beta : 1
        // Work is handed out in chunks through the counters: on a shared host one core often
        // runs slower for a while, and with an even split the other then waits for it. Large
        // blocks are cut into about four chunks per thread, which lets the faster thread take
        // over part of the slower one's share; smaller ones are split evenly,
        // where smaller A blocks and more B traffic cost more than they won (n = 256).
        let panels = (columns.count + nr - 1) / nr
        let chunksPerThread =
          threads > 1 && m * columns.count * depth.count >= dynamicThreshold ? 4 : 1
        let panelsPerChunk = chunk(panels, threads: threads, perThread: chunksPerThread)
        let packShare: @Sendable (Int) -> Void = { _ in
          while true {
            let first = swifttensor_atomic_add(packCounter, 1) * panelsPerChunk
            guard first < panels else { return }
            let last = min(panels, first + panelsPerChunk)
            packB(
              transposed: transposeB, b, ldb: ldb, depth: depth,
              columns: (jc + first * nr)..<min(columns.upperBound, jc + last * nr), nr: nr,
              into: packedB + first * nr * depth.count, useFastPacking: useC,
              columnSums: columnSums.map { $0 + jc + first * nr })
          }
        }
        // Chunks are whole tiles along the longer side of C, so threads never write the same
        // part of C; a row chunk is at most one A block.
        let splitRows = (m + mr - 1) / mr >= panels
        let step = splitRows ? mr : nr
        let extent = splitRows ? m : columns.count
        let tiles = (extent + step - 1) / step
        let tilesPerChunk = min(
          splitRows ? mcMax / mr : tiles, chunk(tiles, threads: threads, perThread: chunksPerThread)
        )
        let worker: @Sendable (Int) -> Void = { t in
          let packedA = scratch + t * perThread
          let tile = packedA + kcStep * mcAlloc
          // The rows of A in `packedA`: a column chunk after the first reuses them.
          var packedRows = 0..<0
          while true {
            let start = swifttensor_atomic_add(tileCounter, 1) * tilesPerChunk * step
            guard start < extent else { return }
            let end = min(extent, start + tilesPerChunk * step)
            let myRows = splitRows ? start..<end : 0..<m
            let myColumns = splitRows ? columns : (jc + start)..<(jc + end)
            let myB = packedB + (myColumns.lowerBound - jc) * depth.count
            for ic in stride(from: myRows.lowerBound, to: myRows.upperBound, by: mcMax) {
              let rows = ic..<min(myRows.upperBound, ic + mcMax)
              if readsA {
                macroKernelReadingA(
                  wide: wide, rows: rows, columns: myColumns, depth: depth, alpha: alpha,
                  beta: blockBeta, a,
                  lda: lda, myB, c, ldc: ldc, tile: tile, scratch: packedA,
                  bias: pc == 0 ? bias : nil)
                continue
              }
              if rows != packedRows {
                packA(
                  transposed: transposeA, a, lda: lda, rows: rows, depth: depth, into: packedA,
                  useFastPacking: useC)
                packedRows = rows
              }
              var prefetch = BlockPrefetch.none
              if transposeA && pc + kcStep < k {
                prefetch = BlockPrefetch(
                  transposed: true, a, lda: lda, rows: rows,
                  depth: (pc + kcStep)..<min(k, pc + 2 * kcStep))
              }
              macroKernel(
                useC: useC, wide: wide, rows: rows, columns: myColumns, kc: depth.count,
                alpha: alpha,
                beta: blockBeta, packedA, myB, c, ldc: ldc, tile: tile, prefetch: &prefetch)
            }
          }
        }
        // The counters are reset before the region is published (the pool's start is a
        // sequentially consistent store, so workers see the zeros).
        swifttensor_atomic_store(packCounter, 0)
        swifttensor_atomic_store(tileCounter, 0)
        if threads == 1 {
          packShare(0)
          worker(0)
        } else {
          WorkerPool.shared.run(threads: threads, first: packShare, second: worker)
        }
      }
    }
  }

  /// Units of work per chunk when `count` units are shared by `threads` threads, `perThread`
  /// chunks each. O(1).
  @inline(__always)
  static func chunk(_ count: Int, threads: Int, perThread: Int) -> Int {
    let chunks = threads * perThread
    return max(1, (count + chunks - 1) / chunks)
  }

  /// `C = beta * C` over an `m x n` block, writing zeros (not reading C) when `beta` is 0.
  /// O(m x n).
  static func scale<S: TensorScalar>(
    m: Int, n: Int, beta: S, _ c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    guard beta != 1 else { return }
    for i in 0..<m {
      let row = c + i * ldc
      if beta == 0 {
        row.update(repeating: 0, count: n)
      } else {
        for j in 0..<n { row[j] *= beta }
      }
    }
  }

  /// The smallest multiple of `step` that is at least `x`. O(1).
  @inline(__always)
  static func roundUp(_ x: Int, _ step: Int) -> Int { (x + step - 1) / step * step }
}
