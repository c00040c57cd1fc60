// The loops of convolution, lowered to the packed GEMM. For each sample and group the input is
// unfolded into a `[depth, positions]` column matrix (im2col: one row per input channel and
// kernel offset, one column per output position), so that the convolution is the product
// `W_g · columns`; the input gradient folds `W_gᵀ · dy` back (col2im) and the weight gradient is
// `dy · columnsᵀ`. A 1-D convolution is a 2-D one of height 1. Samples are shared between the
// threads in fixed shares (each thread running single-threaded products), so a result does not
// depend on timing; a single sample instead lets GEMM split its product.

/// Where a convolution's windows lie: channel-first input `[batch, inChannels, height, width]`,
/// weights `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`, implicit zero padding
/// `paddingTop`/`paddingLeft` before the input (the bottom and right padding follow from the
/// output size), and the output `[batch, outChannels, outputHeight, outputWidth]`.
@usableFromInline
struct ConvolutionGeometry: Sendable, Equatable {
  var batch: Int, inChannels: Int, outChannels: Int, groups: Int
  var height: Int, width: Int
  var kernelHeight: Int, kernelWidth: Int
  var strideHeight: Int, strideWidth: Int
  var dilationHeight: Int, dilationWidth: Int
  var paddingTop: Int, paddingLeft: Int
  var outputHeight: Int, outputWidth: Int

  /// Input channels each output channel reads.
  var channelsPerGroup: Int { inChannels / groups }
  /// Output channels of each group.
  var outputsPerGroup: Int { outChannels / groups }
  /// Rows of the column matrix: the scalars one output reads.
  var depth: Int { channelsPerGroup * kernelHeight * kernelWidth }
  /// Columns of the column matrix: the output positions of one plane.
  var positions: Int { outputHeight * outputWidth }
  /// Whether the column matrix is the input itself (a 1x1 kernel, stride 1, no padding).
  var isPointwise: Bool {
    kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
      && paddingTop == 0 && paddingLeft == 0 && outputHeight == height && outputWidth == width
  }

  /// The output columns `ow` whose input column `ow·stride − padding + offset` lies inside the
  /// input, for a kernel column `offset` already multiplied by the dilation.
  @inline(__always)
  func validColumns(offset: Int) -> Range<Int> {
    let shift = paddingLeft - offset
    // ceil(shift / stride) for any sign, then the last column inside `width`.
    let first = shift <= 0 ? 0 : (shift + strideWidth - 1) / strideWidth
    let limit = width + shift - 1
    let last = limit < 0 ? -1 : limit / strideWidth
    return first..<Swift.max(first, Swift.min(outputWidth, last + 1))
  }
}

/// Unfolding and folding the column matrix of one sample's group; reached through the drivers
/// in `ConvolutionKernels+Drivers.swift`.
enum ConvolutionKernels {
  /// Writes the `[depth, positions]` column matrix of `source` (one sample's group of
  /// `channelsPerGroup` planes) into `columns`, whose rows are `pitch` scalars apart (the
  /// matrices of several samples sit side by side), zeros where a window reads padding.
  /// O(depth × positions).
  static func unfold<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: ConvolutionGeometry, into columns: UnsafeMutablePointer<S>,
    pitch: Int
  ) {
    let plane = g.height * g.width
    var row = columns
    for channel in 0..<g.channelsPerGroup {
      let input = source + channel * plane
      for ki in 0..<g.kernelHeight {
        for kj in 0..<g.kernelWidth {
          let valid = g.validColumns(offset: kj * g.dilationWidth)
          let columnShift = kj * g.dilationWidth - g.paddingLeft
          for oh in 0..<g.outputHeight {
            let destination = row + oh * g.outputWidth
            let ih = oh * g.strideHeight - g.paddingTop + ki * g.dilationHeight
            guard ih >= 0 && ih < g.height && !valid.isEmpty else {
              clear(destination, 0..<g.outputWidth)
              continue
            }
            clear(destination, 0..<valid.lowerBound)
            let inputRow = input + ih * g.width + columnShift
            if g.strideWidth != 1 {
              for ow in valid { destination[ow] = inputRow[ow &* g.strideWidth] }
            } else if valid.count >= 16 {
              (destination + valid.lowerBound).update(
                from: inputRow + valid.lowerBound, count: valid.count)
            } else {
              for ow in valid { destination[ow] = inputRow[ow] }
            }
            clear(destination, valid.upperBound..<g.outputWidth)
          }
          row += pitch
        }
      }
    }
  }

  /// Adds the `[depth, positions]` column matrix `columns` (rows `pitch` apart) back onto the
  /// planes it was unfolded from (`destination`, one sample's group), skipping padding: the
  /// transpose of `unfold`. O(depth × positions).
  static func foldAdding<S: TensorScalar>(
    _ columns: UnsafePointer<S>, _ g: ConvolutionGeometry,
    into destination: UnsafeMutablePointer<S>, pitch: Int
  ) {
    let plane = g.height * g.width
    var row = columns
    for channel in 0..<g.channelsPerGroup {
      let output = destination + channel * plane
      for ki in 0..<g.kernelHeight {
        for kj in 0..<g.kernelWidth {
          let valid = g.validColumns(offset: kj * g.dilationWidth)
          let columnShift = kj * g.dilationWidth - g.paddingLeft
          for oh in 0..<g.outputHeight where !valid.isEmpty {
            let ih = oh * g.strideHeight - g.paddingTop + ki * g.dilationHeight
            guard ih >= 0 && ih < g.height else { continue }
            let source = row + oh * g.outputWidth
            let outputRow = output + ih * g.width + columnShift
            if g.strideWidth == 1 {
              addRow(source + valid.lowerBound, into: outputRow + valid.lowerBound, valid.count)
            } else {
              for ow in valid { outputRow[ow &* g.strideWidth] += source[ow] }
            }
          }
          row += pitch
        }
      }
    }
  }

  /// Zeros `destination[range]`; a loop rather than a call, as a row of a small image is only
  /// a few scalars long.
  @inline(__always)
  static func clear<S: TensorScalar>(_ destination: UnsafeMutablePointer<S>, _ range: Range<Int>) {
    if range.count >= 16 {
      (destination + range.lowerBound).update(repeating: 0, count: range.count)
    } else {
      for i in range { destination[i] = 0 }
    }
  }

  /// `destination[i] += source[i]` for `count` contiguous scalars, a vector at a time.
  @inline(__always)
  static func addRow<S: TensorScalar>(
    _ source: UnsafePointer<S>, into destination: UnsafeMutablePointer<S>, _ count: Int
  ) {
    let width = S.Vector.scalarCount
    var i = 0
    while i + width <= count {
      destination.storeVector(
        source.loadVector(at: i) + UnsafePointer(destination).loadVector(at: i), at: i)
      i += width
    }
    while i < count {
      destination[i] += source[i]
      i += 1
    }
  }

  /// `destination[i] += Σ_j source[i·count + j]` over `rows` rows of `count` scalars.
  static func addRowSums<S: TensorScalar>(
    _ source: UnsafePointer<S>, rows: Int, count: Int, into destination: UnsafeMutablePointer<S>
  ) {
    for r in 0..<rows {
      let row = source + r * count
      let width = S.Vector.scalarCount
      var accumulator = S.Vector(repeating: 0)
      var i = 0
      while i + width <= count {
        accumulator += row.loadVector(at: i)
        i += width
      }
      var sum = accumulator.sum()
      while i < count {
        sum += row[i]
        i += 1
      }
      destination[r] += sum
    }
  }
}
