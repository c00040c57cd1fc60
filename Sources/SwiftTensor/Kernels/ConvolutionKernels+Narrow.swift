// Unfolding and folding for narrow images, where `unfold`'s row-by-row copies are a few scalars
// long and their bookkeeping costs more than the copying. Each channel's plane is copied into a
// zero-bordered one, so every tap of every window is a valid offset in it; a table of those
// offsets, made once per call, turns the unfolding into one gather loop per channel and the
// folding into one scatter-add loop.

extension ConvolutionKernels {
  /// Whether the narrow path is the faster one: rows shorter than two vectors.
  static func prefersTable(_ g: ConvolutionGeometry) -> Bool { g.outputWidth < 16 }

  /// The height and width of the zero-bordered plane: every window's taps fall inside it.
  static func borderedSize(_ g: ConvolutionGeometry) -> (height: Int, width: Int) {
    let reachHeight =
      (g.outputHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight
    let reachWidth = (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth
    return (
      Swift.max(g.height + g.paddingTop, reachHeight + 1),
      Swift.max(g.width + g.paddingLeft, reachWidth + 1)
    )
  }

  /// For each kernel tap and output position, in `(kernelRow, kernelColumn, position)` order,
  /// the offset it reads in the bordered plane. O(kernel size × positions).
  static func tapTable(_ g: ConvolutionGeometry) -> [Int32] {
    let bordered = borderedSize(g).width
    var table: [Int32] = []
    table.reserveCapacity(g.kernelHeight * g.kernelWidth * g.positions)
    for ki in 0..<g.kernelHeight {
      for kj in 0..<g.kernelWidth {
        for oh in 0..<g.outputHeight {
          let row = (oh * g.strideHeight + ki * g.dilationHeight) * bordered
          for ow in 0..<g.outputWidth {
            table.append(Int32(row + ow * g.strideWidth + kj * g.dilationWidth))
          }
        }
      }
    }
    return table
  }

  /// `unfold` by table: `columns` rows `pitch` apart; `bordered` is scratch of the bordered
  /// plane's size. O(depth × positions + channels × bordered size).
  static func unfoldByTable<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, table: UnsafePointer<Int32>,
    bordered: UnsafeMutablePointer<S>, into columns: UnsafeMutablePointer<S>, pitch: Int
  ) {
    let (borderedHeight, borderedWidth) = borderedSize(g)
    // The border stays zero: only the interior is written, channel after channel.
    bordered.update(repeating: 0, count: borderedHeight * borderedWidth)
    let taps = g.kernelHeight * g.kernelWidth
    for channel in 0..<g.channelsPerGroup {
      let plane = source + channel * g.height * g.width
      for r in 0..<g.height {
        (bordered + (r + g.paddingTop) * borderedWidth + g.paddingLeft).update(
          from: plane + r * g.width, count: g.width)
      }
      for tap in 0..<taps {
        let row = columns + (channel * taps + tap) * pitch
        let offsets = table + tap * g.positions
        for p in 0..<g.positions { row[p] = bordered[Int(offsets[p])] }
      }
    }
  }

  /// `foldAdding` by table: the column matrix scattered onto a bordered plane per channel,
  /// whose interior is then added onto `destination`. O(depth × positions + channels ×
  /// bordered size).
  static func foldAddingByTable<S: TensorScalar>(
    _ columns: UnsafePointer<S>, _ g: ConvolutionGeometry, table: UnsafePointer<Int32>,
    bordered: UnsafeMutablePointer<S>, into destination: UnsafeMutablePointer<S>, pitch: Int
  ) {
    let (borderedHeight, borderedWidth) = borderedSize(g)
    let taps = g.kernelHeight * g.kernelWidth
    for channel in 0..<g.channelsPerGroup {
      bordered.update(repeating: 0, count: borderedHeight * borderedWidth)
      for tap in 0..<taps {
        let row = columns + (channel * taps + tap) * pitch
        let offsets = table + tap * g.positions
        for p in 0..<g.positions { bordered[Int(offsets[p])] += row[p] }
      }
      let plane = destination + channel * g.height * g.width
      for r in 0..<g.height {
        addRow(
          bordered + (r + g.paddingTop) * borderedWidth + g.paddingLeft, into: plane + r * g.width,
          g.width)
      }
    }
  }
}

/// The way one call unfolds and folds its column matrices: by table for narrow images, row by
/// row otherwise, or straight into packed slabs (`ConvolutionKernels+Packed.swift`); made once
/// per call and shared by its threads.
struct ColumnTransform: Sendable {
  /// The tap offsets (`ConvolutionKernels.tapTable`), empty when no path needs them.
  let table: [Int32]
  /// Whether `unfold` and `foldAdding` go by table.
  let byTable: Bool
  /// Whether forward products unfold straight into packed slabs.
  let packed: Bool
  /// Scalars of scratch each thread needs: a bordered plane, or on the packed path a bordered
  /// group of planes and one packed slab.
  let scratchCount: Int

  init<S: TensorScalar>(_ g: ConvolutionGeometry, _: S.Type, packed: Bool) {
    byTable = ConvolutionKernels.prefersTable(g)
    self.packed = packed
    table = byTable || packed ? ConvolutionKernels.tapTable(g) : []
    let size = ConvolutionKernels.borderedSize(g)
    let slab = g.depth * GEMM.roundUp(ConvolutionKernels.slabWidth, GEMM.nr(S.self))
    scratchCount =
      packed
      ? g.channelsPerGroup * size.height * size.width + slab
      : byTable ? size.height * size.width : 0
  }

  /// `ConvolutionKernels.unfold`, by table or by rows; `scratch` holds `scratchCount` scalars.
  func unfold<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, into columns: UnsafeMutablePointer<S>,
    pitch: Int, scratch: UnsafeMutablePointer<S>
  ) {
    guard byTable else {
      return ConvolutionKernels.unfold(source, g, into: columns, pitch: pitch)
    }
    table.withUnsafeBufferPointer {
      guard let offsets = $0.baseAddress else { return }
      ConvolutionKernels.unfoldByTable(
        source, g, table: offsets, bordered: scratch, into: columns, pitch: pitch)
    }
  }

  /// `ConvolutionKernels.foldAdding`, by table or by rows.
  func foldAdding<S: TensorScalar>(
    _ columns: UnsafePointer<S>, _ g: ConvolutionGeometry,
    into destination: UnsafeMutablePointer<S>, pitch: Int, scratch: UnsafeMutablePointer<S>
  ) {
    guard byTable else {
      return ConvolutionKernels.foldAdding(columns, g, into: destination, pitch: pitch)
    }
    table.withUnsafeBufferPointer {
      guard let offsets = $0.baseAddress else { return }
      ConvolutionKernels.foldAddingByTable(
        columns, g, table: offsets, bordered: scratch, into: destination, pitch: pitch)
    }
  }

  /// `ConvolutionKernels.multiplyPacked` with this call's table.
  func multiplyPacked<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, weight: UnsafePointer<S>,
    packedWeight: UnsafePointer<S>, beta: S, scratch: UnsafeMutablePointer<S>,
    into destination: UnsafeMutablePointer<S>, threads: Int
  ) {
    let size = ConvolutionKernels.borderedSize(g)
    let packedSlab = scratch + g.channelsPerGroup * size.height * size.width
    table.withUnsafeBufferPointer {
      guard let offsets = $0.baseAddress else { return }
      ConvolutionKernels.multiplyPacked(
        source, g, weight: weight, packedWeight: packedWeight, beta: beta, table: offsets,
        bordered: scratch,
        packed: packedSlab, into: destination, threads: threads)
    }
  }

  /// The weight gradient of one (sample, group) on the packed path, `dW_gᵀ += columns · dyᵀ`
  /// (into `[depth, outChannels]` at `transposedGradient`), a slab of positions at a time so
  /// that each slab's columns stay in cache while GEMM packs them.
  func accumulateWeightGradientBySlabs<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, outputGradient: UnsafePointer<S>,
    scratch: UnsafeMutablePointer<S>, into transposedGradient: UnsafeMutablePointer<S>,
    threads: Int
  ) {
    let size = ConvolutionKernels.borderedSize(g)
    let columns = scratch + g.channelsPerGroup * size.height * size.width
    ConvolutionKernels.border(source, g, into: scratch)
    table.withUnsafeBufferPointer {
      guard let offsets = $0.baseAddress else { return }
      for first in stride(from: 0, to: g.positions, by: ConvolutionKernels.slabWidth) {
        let slab = first..<Swift.min(g.positions, first + ConvolutionKernels.slabWidth)
        ConvolutionKernels.unfoldSlab(scratch, g, table: offsets, slab: slab, into: columns)
        GEMM.multiply(
          transposeA: false, transposeB: true, m: g.depth, n: g.outputsPerGroup, k: slab.count,
          alpha: 1, columns, lda: slab.count, outputGradient + first, ldb: g.positions, beta: 1,
          transposedGradient, ldc: g.outChannels, threads: threads)
      }
    }
  }
}
