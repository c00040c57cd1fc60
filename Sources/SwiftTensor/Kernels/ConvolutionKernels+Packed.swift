// The forward product of a large image without a column matrix: the columns are unfolded
// straight into the packed micro-panels GEMM multiplies from, a slab of output positions at a
// time, so they are written once, into a buffer that stays in cache, rather than written as a
// matrix larger than the cache and then read and copied again by GEMM's packing.

extension ConvolutionKernels {
  /// Output positions per packed slab: a multiple of every micro-panel width.
  static let slabWidth = 256

  /// Whether a pass takes the packed path: one sample per product, an image wide enough for
  /// whole slabs, and a kernel that needs unfolding.
  static func prefersPacked(_ g: ConvolutionGeometry, samplesPerChunk: Int) -> Bool {
    samplesPerChunk == 1 && !g.isPointwise && g.positions >= slabWidth
  }

  /// The sample's group of planes copied into zero-bordered planes (`borderedSize`), so that
  /// every tap of every window is a valid offset. O(channels × bordered size).
  static func border<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, into bordered: UnsafeMutablePointer<S>
  ) {
    let (height, width) = borderedSize(g)
    bordered.update(repeating: 0, count: g.channelsPerGroup * height * width)
    for channel in 0..<g.channelsPerGroup {
      let plane = source + channel * g.height * g.width
      let target = bordered + channel * height * width
      for r in 0..<g.height {
        (target + (r + g.paddingTop) * width + g.paddingLeft).update(
          from: plane + r * g.width, count: g.width)
      }
    }
  }

  /// Writes columns `slab` of the column matrix of a bordered sample, packed as
  /// `GEMM.prepack` lays out a `depth × slab.count` right operand (depth blocks of
  /// `GEMM.prepackedDepthStep`, each a row of zero-padded micro-panels of `nr` columns).
  /// A panel whose positions are consecutive in the bordered plane is copied as vectors.
  /// O(depth × slab width).
  ///
  /// Panel by panel, so that the writes run through the packed buffer in order: row by row
  /// they would jump a whole panel's depth each time, a page apart.
  static func unfoldPacked<S: TensorScalar>(
    _ bordered: UnsafePointer<S>, _ g: ConvolutionGeometry, table: UnsafePointer<Int32>,
    slab: Range<Int>, into packed: UnsafeMutablePointer<S>
  ) {
    let nr = GEMM.nr(S.self)
    let depth = g.depth
    let step = GEMM.prepackedDepthStep(k: depth)
    let width = GEMM.roundUp(slab.count, nr)
    let taps = g.kernelHeight * g.kernelWidth
    let planeSize = borderedSize(g).height * borderedSize(g).width
    let vector = S.Vector.scalarCount
    withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { starts in
      for panel in 0..<(width / nr) {
        let first = slab.lowerBound + panel * nr
        let count = Swift.min(nr, slab.upperBound - first)
        // Per tap, the panel's first offset when its positions are consecutive (-1: gather);
        // the same for every channel.
        for tap in 0..<taps {
          let offsets = table + tap * g.positions
          let start = Int(offsets[first])
          let consecutive = count == nr && Int(offsets[first + nr - 1]) == start + nr - 1
          starts[tap] = consecutive ? start : -1
        }
        for blockStart in stride(from: 0, to: depth, by: step) {
          let blockDepth = Swift.min(step, depth - blockStart)
          var target = packed + blockStart * width + panel * blockDepth * nr
          var (channel, tap) = blockStart.quotientAndRemainder(dividingBy: taps)
          for _ in 0..<blockDepth {
            let plane = bordered + channel * planeSize
            let start = starts[tap]
            if start >= 0 {
              for lane in stride(from: 0, to: nr, by: vector) {
                target.storeVector(plane.loadVector(at: start + lane), at: lane)
              }
            } else {
              let offsets = table + tap * g.positions + first
              for lane in 0..<count { target[lane] = plane[Int(offsets[lane])] }
              for lane in count..<nr { target[lane] = 0 }
            }
            target += nr
            tap += 1
            if tap == taps { (tap, channel) = (0, channel + 1) }
          }
        }
      }
    }
  }

  /// One (sample, group) product on the packed path: `destination` (`outputsPerGroup` rows of
  /// `positions`, holding the bias or anything when `beta` is 0) gets `W_g · columns` added
  /// slab by slab. `packedWeight` is `W_g` packed once per call (`GEMM.prepackA`); `bordered`
  /// and `packed` are scratch (`border` and one slab's sizes).
  static func multiplyPacked<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, weight: UnsafePointer<S>,
    packedWeight: UnsafePointer<S>, beta: S, table: UnsafePointer<Int32>,
    bordered: UnsafeMutablePointer<S>, packed: UnsafeMutablePointer<S>,
    into destination: UnsafeMutablePointer<S>, threads: Int
  ) {
    border(source, g, into: bordered)
    for first in stride(from: 0, to: g.positions, by: slabWidth) {
      let slab = first..<Swift.min(g.positions, first + slabWidth)
      unfoldPacked(bordered, g, table: table, slab: slab, into: packed)
      GEMM.multiplyPrepacked(
        m: g.outputsPerGroup, n: slab.count, k: g.depth, weight, lda: g.depth,
        packedA: packedWeight, packedB: packed, beta: beta, destination + first,
        ldc: g.positions, threads: threads)
    }
  }

  /// Writes columns `slab` of a bordered sample's column matrix as a row-major
  /// `[depth, slab.count]` matrix: runs of consecutive offsets (an output row at stride 1) are
  /// copied, others gathered. O(depth × slab width).
  static func unfoldSlab<S: TensorScalar>(
    _ bordered: UnsafePointer<S>, _ g: ConvolutionGeometry, table: UnsafePointer<Int32>,
    slab: Range<Int>, into columns: UnsafeMutablePointer<S>
  ) {
    let taps = g.kernelHeight * g.kernelWidth
    let planeSize = borderedSize(g).height * borderedSize(g).width
    for row in 0..<g.depth {
      let (channel, tap) = row.quotientAndRemainder(dividingBy: taps)
      let plane = bordered + channel * planeSize
      let offsets = table + tap * g.positions
      let target = columns + row * slab.count - slab.lowerBound
      var p = slab.lowerBound
      while p < slab.upperBound {
        // The rest of this output row, or of the slab.
        let end = Swift.min(slab.upperBound, (p / g.outputWidth + 1) * g.outputWidth)
        if g.strideWidth == 1 {
          (target + p).update(from: plane + Int(offsets[p]), count: end - p)
        } else {
          for q in p..<end { target[q] = plane[Int(offsets[q])] }
        }
        p = end
      }
    }
  }
}
