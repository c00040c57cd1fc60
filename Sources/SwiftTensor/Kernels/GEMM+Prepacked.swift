/// Products with a right operand packed once and reused: a recurrent layer multiplies its
/// `W_h` by a thin batch of hidden states at every time step, and packing a 256 x 1024 `W_h`
/// again for each 32-row product cost as much as the arithmetic.
extension GEMM {
  /// The depth of each packed block of a `k`-deep operand (equal blocks, as `multiply`).
  @inline(__always)
  static func prepackedDepthStep(k: Int) -> Int {
    let blocks = max(1, (k + kcMax - 1) / kcMax)
    return (k + blocks - 1) / blocks
  }

  /// Scalars needed to prepack a `k x n` op(B). O(1).
  static func prepackedCount<S: TensorScalar>(_: S.Type, k: Int, n: Int) -> Int {
    k * roundUp(n, nr(S.self))
  }

  /// Packs all of op(B) (`k x n`): depth block after depth block, each as `packB` lays out a
  /// block of every column. O(k x n).
  static func prepack<S: TensorScalar>(
    transposed: Bool, _ b: UnsafePointer<S>, ldb: Int, k: Int, n: Int,
    into buffer: UnsafeMutablePointer<S>
  ) {
    let step = prepackedDepthStep(k: k)
    let width = roundUp(n, nr(S.self))
    for pc in stride(from: 0, to: k, by: step) {
      packB(
        transposed: transposed, b, ldb: ldb, depth: pc..<min(k, pc + step), columns: 0..<n,
        nr: nr(S.self), into: buffer + pc * width)
    }
  }

  /// Scalars needed to prepack an `m x k` A by `prepackA`. O(1).
  static func prepackedACount<S: TensorScalar>(_: S.Type, m: Int, k: Int) -> Int {
    roundUp(m, mr) * k
  }

  /// Packs all of an untransposed `m x k` A, block after block in the order
  /// `multiplyPrepacked` walks them (depth blocks, then row blocks), so that a left operand used
  /// by many products (a convolution's kernels) is packed once. O(m x k).
  static func prepackA<S: TensorScalar>(
    _ a: UnsafePointer<S>, lda: Int, m: Int, k: Int, into buffer: UnsafeMutablePointer<S>
  ) {
    var destination = buffer
    for pc in stride(from: 0, to: k, by: prepackedDepthStep(k: k)) {
      let depth = pc..<min(k, pc + prepackedDepthStep(k: k))
      for ic in stride(from: 0, to: m, by: mcMax(S.self)) {
        let rows = ic..<min(m, ic + mcMax(S.self))
        packA(transposed: false, a, lda: lda, rows: rows, depth: depth, into: destination)
        destination += roundUp(rows.count, mr) * depth.count
      }
    }
  }

  /// `C = A x B + beta x C` with B prepacked by `prepack`, A `m x k` untransposed (or, when
  /// `packedA` is given, prepacked by `prepackA` and `a` unused). Columns are split between
  /// `threads` workers (each packs its own copy of the thin A block).
  ///
  /// O(m x n x k) time, O(threads x (mc x kc + tile)) temporary memory.
  static func multiplyPrepacked<S: TensorScalar>(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<S>, lda: Int, packedA: UnsafePointer<S>? = nil,
    packedB: UnsafePointer<S>, beta: S, _ c: UnsafeMutablePointer<S>, ldc: Int, threads: Int
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      scale(m: m, n: n, beta: beta, c, ldc: ldc)
      return
    }
    let nr = nr(S.self)
    let mcMax = mcMax(S.self)
    let step = prepackedDepthStep(k: k)
    let width = roundUp(n, nr)
    let panels = width / nr
    let threads = max(1, min(threads, panels))
    let mcAlloc = min(mcMax, roundUp(m, mr))
    let perThread = step * mcAlloc + mr * nr
    let raw = ScratchBuffer(byteCount: threads * perThread * MemoryLayout<S>.stride)
    defer { raw.free() }
    nonisolated(unsafe) let scratch = raw.address.bindMemory(
      to: S.self, capacity: threads * perThread)
    nonisolated(unsafe) let a = a
    nonisolated(unsafe) let c = c
    nonisolated(unsafe) let packedB = packedB
    nonisolated(unsafe) let givenA = packedA
    let useC = hasFastKernel
    let wide = useC && runsWideTiles(S.self)
    // A thin A (a batch of hidden states) is read where it is, like `multiply` reads it,
    // rather than packed again at every time step.
    let readsA = packedA == nil && readsAInPlace(S.self, transposed: false, useC: useC)
    let panelsPerThread = (panels + threads - 1) / threads
    let worker: @Sendable (Int) -> Void = { t in
      let first = t * panelsPerThread * nr
      let columns = first..<min(n, first + panelsPerThread * nr)
      guard !columns.isEmpty else { return }
      let packedA = scratch + t * perThread
      let tile = packedA + step * mcAlloc
      var prepacked = givenA
      for pc in stride(from: 0, to: k, by: step) {
        let depth = pc..<min(k, pc + step)
        let blockB = packedB + pc * width + columns.lowerBound * depth.count
        for ic in stride(from: 0, to: m, by: mcMax) {
          let rows = ic..<min(m, ic + mcMax)
          if readsA {
            macroKernelReadingA(
              wide: wide, rows: rows, columns: columns, depth: depth, alpha: 1,
              beta: pc == 0 ? beta : 1, a,
              lda: lda, blockB, c, ldc: ldc, tile: tile, scratch: packedA, bias: nil)
            continue
          }
          let blockA: UnsafePointer<S>
          if let given = prepacked {
            blockA = given
            prepacked = given + roundUp(rows.count, mr) * depth.count
          } else {
            packA(
              transposed: false, a, lda: lda, rows: rows, depth: depth, into: packedA,
              useFastPacking: useC)
            blockA = UnsafePointer(packedA)
          }
          var prefetch = BlockPrefetch.none
          macroKernel(
            useC: useC, wide: wide, rows: rows, columns: columns, kc: depth.count, alpha: 1,
            beta: pc == 0 ? beta : 1, blockA, blockB, c, ldc: ldc, tile: tile,
            prefetch: &prefetch)
        }
      }
    }
    if threads == 1 {
      worker(0)
    } else {
      // The pool's spinning workers, not GCD: a recurrent layer runs this once per time step,
      // where waking threads through `concurrentPerform` cost more than the split saved.
      WorkerPool.shared.run(threads: threads, second: worker)
    }
  }
}
