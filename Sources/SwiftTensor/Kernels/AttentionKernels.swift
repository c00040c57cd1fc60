// The loops of scaled dot-product attention. Each (batch, head) pair is independent: its
// queries, keys and values are column blocks of the `[batch, time, heads·dim]` inputs, read in
// place through GEMM's leading dimensions, except that the pair's keys (forward) or values
// (backward) are first copied transposed into a small scratch, so that the products with `Kᵀ`
// and `Vᵀ` broadcast rows rather than take short dot products. Pairs are split between threads
// in fixed shares, so the result does not depend on the thread count. Queries go in blocks of
// `blockRows` rows; with a causal mask a block multiplies only the keys its last row can see,
// which skips most of the masked upper triangle.

extension AttentionKernel {
  /// Rows of queries per block of products.
  static var blockRows: Int { 16 }

  /// Runs the forward pass, or the backward pass when `outputGradient` is set; the C kernels'
  /// products use AVX-512 tiles when `wideTiles` (which gives the same bits; tests compare).
  /// O(batch · heads · timeQ · timeK · (headDim + valueDim)) time (about half with `causal`),
  /// O(threads · timeQ · timeK) temporary memory.
  func run(wideTiles: Bool = CPU.hasAVX512F) {
    let l = layout
    let pairs = l.batch * l.heads
    guard pairs > 0, l.timeQ > 0 else { return }
    guard l.timeK > 0 else {
      // No key at all: every query is fully masked, so its output is 0.
      output?.update(repeating: 0, count: l.batch * l.timeQ * l.valueWidth)
      return
    }
    let work = pairs * l.timeQ * l.timeK * (l.headDim + l.valueDim + 8)
    let threads = work >= 1 << 18 ? Swift.min(GEMM.coreCount, pairs) : 1
    let inC = runsInC
    var scratchCount = l.timeK * (2 * l.timeQ + Swift.max(l.headDim, l.valueDim))
    #if arch(x86_64)
      if inC { scratchCount = cScratchCount }
    #endif
    WorkerPool.shared.runShares(of: pairs, threads: threads) { _, share in
      let scratch = UnsafeMutablePointer<S>.allocate(capacity: scratchCount)
      defer { scratch.deallocate() }
      for pair in share {
        if inC {
          #if arch(x86_64)
            runInC(
              pair: pair, next: pair + 1 < share.upperBound ? pair + 1 : nil, scratch: scratch,
              wideTiles: wideTiles)
          #endif
        } else if outputGradient == nil {
          forward(pair: pair, scratch: scratch)
        } else {
          backward(pair: pair, scratch: scratch)
        }
      }
    }
  }

  /// The blocks of query rows, each with the number of keys its rows may see (0 for a block
  /// of rows that see none).
  @inline(__always)
  func blocks(_ body: (Range<Int>, Int) -> Void) {
    let l = layout
    var start = 0
    while start < l.timeQ {
      let end = Swift.min(l.timeQ, start + Self.blockRows)
      body(start..<end, l.visibleKeys(end - 1))
      start = end
    }
  }

  /// `O = dropout(softmax(scale·Q·Kᵀ, masked))·V` for one pair; writes the softmax weights
  /// (before dropout) to `probabilities`, zero outside each block's visible keys. Writes every
  /// scalar of the pair's part of `output` and `probabilities`, which may start uninitialised.
  func forward(pair: Int, scratch: UnsafeMutablePointer<S>) {
    let l = layout
    let (b, h) = pair.quotientAndRemainder(dividingBy: l.heads)
    let (qw, vs, ow, tk) = (l.queryStride, l.valueStride, l.valueWidth, l.timeK)
    let q = query + b * l.timeQ * qw + h * l.headDim
    let k = key + b * tk * qw + h * l.headDim
    let v = value + b * tk * vs + h * l.valueDim
    let o = output.unsafelyUnwrapped + b * l.timeQ * ow + h * l.valueDim
    let p = probabilities + pair * l.timeQ * tk
    let mask = keyMask.map { $0 + b * tk }
    let kT = Self.transpose(
      k, rows: tk, columns: l.headDim, stride: qw, into: scratch + l.timeQ * tk)
    blocks { rows, keys in
      for i in rows where keys < tk { (p + i * tk + keys).update(repeating: 0, count: tk - keys) }
      guard keys > 0 else {
        for i in rows { (o + i * ow).update(repeating: 0, count: l.valueDim) }
        return
      }
      GEMM.multiply(
        transposeA: false, transposeB: false, m: rows.count, n: keys, k: l.headDim,
        alpha: S(l.scale), q + rows.lowerBound * qw, lda: qw, kT, ldb: tk, beta: 0,
        p + rows.lowerBound * tk, ldc: tk)
      for i in rows {
        Self.maskedSoftmax(p + i * tk, count: keys, visible: l.visibleKeys(i), mask: mask)
      }
      var weights = UnsafePointer(p)
      if l.dropoutRate > 0 {
        for i in rows {
          for j in 0..<keys {
            scratch[i * tk + j] = p[i * tk + j] * l.dropoutFactor(pair: pair, i, j)
          }
        }
        weights = UnsafePointer(scratch)
      }
      GEMM.multiply(
        transposeA: false, transposeB: false, m: rows.count, n: l.valueDim, k: keys, alpha: 1,
        weights + rows.lowerBound * tk, lda: tk, v, ldb: vs, beta: 0, o + rows.lowerBound * ow,
        ldc: ow)
    }
  }

  /// Copies the `rows x columns` matrix at `source` (row stride `stride`) transposed into
  /// `destination` (`columns x rows`, contiguous), and returns it: a product with `Kᵀ` then
  /// broadcasts rows instead of taking short dot products. O(rows · columns).
  @inline(__always)
  static func transpose(
    _ source: UnsafePointer<S>, rows: Int, columns: Int, stride: Int,
    into destination: UnsafeMutablePointer<S>
  ) -> UnsafePointer<S> {
    for r in 0..<rows {
      let row = source + r &* stride
      var target = destination + r
      for c in 0..<columns {
        target.pointee = row[c]
        target += rows
      }
    }
    return UnsafePointer(destination)
  }

  /// `softmax` over the first `visible` of `count` scores, skipping keys whose mask is 0, in
  /// place; every other entry becomes 0, and so does a row with no key left (no NaN).
  ///
  /// The exponentials run through the element-wise exp kernel (the AVX2+FMA C loop where the
  /// CPU has it), which the rest of this file, compiled for the baseline CPU, could not match.
  @inline(__always)
  static func maskedSoftmax(
    _ row: UnsafeMutablePointer<S>, count: Int, visible: Int, mask: UnsafePointer<S>?
  ) {
    if let mask {
      for j in 0..<visible where mask[j] == 0 { row[j] = -.infinity }
    }
    let maximum = Self.maximum(UnsafePointer(row), count: visible)
    guard maximum > -.infinity else {
      row.update(repeating: 0, count: count)
      return
    }
    for j in 0..<visible { row[j] -= maximum }
    ElementwiseKernels.unary(.exp, row, row, count: visible, splits: false)
    let scale =
      1 / ReductionKernels.horizontalSum(Self.vectorSum(UnsafePointer(row), count: visible))
    for j in 0..<visible { row[j] *= scale }
    if count > visible { (row + visible).update(repeating: 0, count: count - visible) }
  }

  /// The largest of `count` scalars (`-infinity` for none), in four independent chains.
  @inline(__always)
  static func maximum(_ x: UnsafePointer<S>, count: Int) -> S {
    var m = (-S.infinity, -S.infinity, -S.infinity, -S.infinity)
    var j = 0
    while j &+ 4 <= count {
      if x[j] > m.0 { m.0 = x[j] }
      if x[j &+ 1] > m.1 { m.1 = x[j &+ 1] }
      if x[j &+ 2] > m.2 { m.2 = x[j &+ 2] }
      if x[j &+ 3] > m.3 { m.3 = x[j &+ 3] }
      j &+= 4
    }
    while j < count {
      if x[j] > m.0 { m.0 = x[j] }
      j &+= 1
    }
    return Swift.max(Swift.max(m.0, m.1), Swift.max(m.2, m.3))
  }

  /// The lane-wise sum of `count` scalars as vectors, the last one padded with zeros.
  @inline(__always)
  static func vectorSum(_ x: UnsafePointer<S>, count: Int) -> S.Vector {
    let width = S.Vector.scalarCount
    var sum = S.Vector()
    var j = 0
    while j &+ width <= count {
      sum += x.loadVector(at: j)
      j &+= width
    }
    if j < count { sum += x.loadPartialVector(at: j, count: count &- j, fill: 0) }
    return sum
  }

  /// The gradients of one pair: `dP̃ = dO·Vᵀ`, `dS = P∘(dP - rowsum(dP∘P))` with `dP` the
  /// dropout factors times `dP̃`, then `dQ = scale·dS·K`, `dK = scale·dSᵀ·Q`, `dV = P̃ᵀ·dO`
  /// (`P̃` the weights after dropout), accumulated block by block.
  func backward(pair: Int, scratch: UnsafeMutablePointer<S>) {
    let l = layout
    let (b, h) = pair.quotientAndRemainder(dividingBy: l.heads)
    let (qw, vs, ow, tk) = (l.queryStride, l.valueStride, l.valueWidth, l.timeK)
    let qOffset = b * l.timeQ * qw + h * l.headDim
    let kOffset = b * tk * qw + h * l.headDim
    let vOffset = b * tk * vs + h * l.valueDim
    let (q, k, v) = (query + qOffset, key + kOffset, value + vOffset)
    let dO = outputGradient.unsafelyUnwrapped + b * l.timeQ * ow + h * l.valueDim
    let p = UnsafePointer(probabilities + pair * l.timeQ * tk)
    let dS = scratch
    let dropped = scratch + l.timeQ * tk
    let dropout = l.dropoutRate > 0
    let scale = S(l.scale)
    let vT = Self.transpose(
      v, rows: tk, columns: l.valueDim, stride: vs, into: scratch + 2 * l.timeQ * tk)
    blocks { rows, keys in
      let first = rows.lowerBound
      guard keys > 0 else { return }
      GEMM.multiply(
        transposeA: false, transposeB: false, m: rows.count, n: keys, k: l.valueDim, alpha: 1,
        dO + first * ow, lda: ow, vT, ldb: tk, beta: 0, dS + first * tk, ldc: tk)
      for i in rows {
        let (pRow, gRow) = (p + i * tk, dS + i * tk)
        if dropout {
          var d = S.zero
          for j in 0..<keys {
            let factor: S = l.dropoutFactor(pair: pair, i, j)
            gRow[j] *= factor
            dropped[i * tk + j] = pRow[j] * factor
            d += gRow[j] * pRow[j]
          }
          for j in 0..<keys { gRow[j] = pRow[j] * (gRow[j] - d) }
        } else {
          Self.softmaxGradientRow(pRow, gRow, count: keys)
        }
      }
      if let dV = valueGradient.map({ $0 + vOffset }) {
        let weights = dropout ? UnsafePointer(dropped) : p
        GEMM.multiply(
          transposeA: true, transposeB: false, m: keys, n: l.valueDim, k: rows.count, alpha: 1,
          weights + first * tk, lda: tk, dO + first * ow, ldb: ow, beta: 1, dV, ldc: vs)
      }
      if let dQ = queryGradient.map({ $0 + qOffset }) {
        GEMM.multiply(
          transposeA: false, transposeB: false, m: rows.count, n: l.headDim, k: keys,
          alpha: scale, dS + first * tk, lda: tk, k, ldb: qw, beta: 0, dQ + first * qw, ldc: qw)
      }
      if let dK = keyGradient.map({ $0 + kOffset }) {
        GEMM.multiply(
          transposeA: true, transposeB: false, m: keys, n: l.headDim, k: rows.count,
          alpha: scale, dS + first * tk, lda: tk, q + first * qw, ldb: qw, beta: 1, dK, ldc: qw)
      }
    }
  }

  /// `g = p∘(g - Σ g∘p)` over one row of `count` entries, in place.
  @inline(__always)
  static func softmaxGradientRow(_ p: UnsafePointer<S>, _ g: UnsafeMutablePointer<S>, count: Int) {
    let width = S.Vector.scalarCount
    var sum = S.Vector()
    var j = 0
    while j + width <= count {
      sum = multiplyAdd(UnsafePointer(g).loadVector(at: j), p.loadVector(at: j), sum)
      j += width
    }
    var d = ReductionKernels.horizontalSum(sum)
    while j < count {
      d += g[j] * p[j]
      j += 1
    }
    let shift = S.Vector(repeating: d)
    j = 0
    while j + width <= count {
      g.storeVector(p.loadVector(at: j) * (UnsafePointer(g).loadVector(at: j) - shift), at: j)
      j += width
    }
    while j < count {
      g[j] = p[j] * (g[j] - d)
      j += 1
    }
  }
}
