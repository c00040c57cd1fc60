// The loops of the pooling operations. Every pooling runs over planes `[planes, height, width]`,
// row-major: the batch and channel axes of an NCHW tensor fold into `planes`, and a 1-D (NCW)
// pooling is the same loop with `height` 1, so one loop per kind serves both ranks.

/// Where a pooling window lies: the input's planes, the window's size, step and implicit
/// padding along height and width, and the output's size that follows from them.
@usableFromInline
struct PoolingGeometry: Sendable, Equatable {
  /// Batch × channels: the planes pooled one after another.
  var planes: Int
  /// The input's height and width.
  var height: Int, width: Int
  /// The window's height and width.
  var kernelHeight: Int, kernelWidth: Int
  /// The steps between windows.
  var strideHeight: Int, strideWidth: Int
  /// The implicit padding on each side.
  var paddingHeight: Int, paddingWidth: Int

  /// PyTorch's output size: `floor((L + 2·padding − kernel) / stride) + 1`.
  var outputHeight: Int { (height + 2 * paddingHeight - kernelHeight) / strideHeight + 1 }
  /// See `outputHeight`.
  var outputWidth: Int { (width + 2 * paddingWidth - kernelWidth) / strideWidth + 1 }

  /// The input rows and columns the window of output `(i, j)` covers, clipped to the input.
  func window(_ i: Int, _ j: Int) -> (rows: Range<Int>, columns: Range<Int>) {
    let top = i * strideHeight - paddingHeight
    let left = j * strideWidth - paddingWidth
    return (
      Swift.max(top, 0)..<Swift.min(top + kernelHeight, height),
      Swift.max(left, 0)..<Swift.min(left + kernelWidth, width)
    )
  }
}

/// Loops over the scalars of the pooling operations; reached through the dispatchers below.
enum PoolingKernels {
  /// The maximum of each window, and its flat offset in `source` written to `offsets`. The
  /// padding acts as −∞, so it is never picked (the validity rule `padding ≤ kernel / 2` leaves
  /// every window at least one input scalar). Ties go to the first scalar in row-major window
  /// order (a later one replaces the best only when strictly larger); a NaN wins over numbers,
  /// as PyTorch's max pooling propagates it. O(planes·outputHeight·outputWidth·kernel size).
  static func maxPool<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: PoolingGeometry, _ destination: UnsafeMutablePointer<S>,
    offsets: UnsafeMutablePointer<Int>, fastPath: Bool = true
  ) {
    if fastPath && g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2
      && g.strideWidth == 2 && g.paddingHeight == 0 && g.paddingWidth == 0
    {
      return maxPoolTwoByTwo(source, g, destination, offsets: offsets)
    }
    let (outputHeight, outputWidth) = (g.outputHeight, g.outputWidth)
    var k = 0
    for plane in 0..<g.planes {
      let base = plane * g.height * g.width
      for i in 0..<outputHeight {
        for j in 0..<outputWidth {
          let (rows, columns) = g.window(i, j)
          var bestOffset = base + rows.lowerBound * g.width + columns.lowerBound
          var best = source[bestOffset]
          var sawNaN: UInt8 = 0
          // Selects rather than branches (a maximum and a conditional move): on data the
          // comparison is a coin toss, and a mispredicted branch per scalar cost more than the
          // rest of the loop. NaNs, rare, take the exact loop below.
          for r in rows {
            for c in columns {
              let offset = base + r * g.width + c
              let value = source[offset]
              let greater = value > best
              bestOffset = greater ? offset : bestOffset
              best = greater ? value : best
              sawNaN |= bit(value != value)
            }
          }
          if sawNaN != 0 {
            // The first NaN of the window, in row-major order.
            search: for r in rows {
              for c in columns where source[base + r * g.width + c].isNaN {
                bestOffset = base + r * g.width + c
                best = source[bestOffset]
                break search
              }
            }
          }
          destination[k] = best
          offsets[k] = bestOffset
          k += 1
        }
      }
    }
  }

  /// `maxPool` for the common 2x2 window with stride 2 and no padding: each window's maximum
  /// as a tree of two comparisons and a third, every step a select or arithmetic on the
  /// comparisons (no branch), with the same ties (first in row-major order). A plane in which a
  /// NaN turns up is pooled again by the general loop, which propagates it.
  static func maxPoolTwoByTwo<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: PoolingGeometry, _ destination: UnsafeMutablePointer<S>,
    offsets: UnsafeMutablePointer<Int>
  ) {
    let planeOutputs = g.outputHeight * g.outputWidth
    var one = g
    one.planes = 1
    for plane in 0..<g.planes {
      let base = plane &* g.height &* g.width
      let (values, at) = (destination + plane * planeOutputs, offsets + plane * planeOutputs)
      var sawNaN: UInt8 = 0
      var k = 0
      for i in 0..<g.outputHeight {
        let top = base &+ 2 &* i &* g.width
        let bottom = top &+ g.width
        for j in 0..<g.outputWidth {
          let left = 2 &* j
          let (a, b) = (source[top &+ left], source[top &+ left &+ 1])
          let (c, d) = (source[bottom &+ left], source[bottom &+ left &+ 1])
          sawNaN |= bit(a != a) | bit(b != b) | bit(c != c) | bit(d != d)
          let upperAt = top &+ left &+ Int(bit(b > a))
          let lowerAt = bottom &+ left &+ Int(bit(d > c))
          let upperMax = b > a ? b : a
          let lowerMax = d > c ? d : c
          let second = Int(bit(lowerMax > upperMax))
          values[k] = lowerMax > upperMax ? lowerMax : upperMax
          at[k] = upperAt &+ (lowerAt &- upperAt) &* second
          k &+= 1
        }
      }
      if sawNaN != 0 {
        maxPool(source + base, one, values, offsets: at, fastPath: false)
        for index in 0..<planeOutputs { at[index] += base }
      }
    }
  }

  /// 1 for true, 0 for false, without a branch.
  @inline(__always)
  static func bit(_ value: Bool) -> UInt8 { unsafeBitCast(value, to: UInt8.self) }

  /// The number a window's sum is divided by: the whole kernel when padding counts
  /// (`count_include_pad`; the window never passes the padded input's end, so that is the
  /// kernel's size), else only the input scalars it covers.
  static func divisor(
    _ g: PoolingGeometry, rows: Range<Int>, columns: Range<Int>, countingPadding: Bool
  ) -> Int {
    countingPadding ? g.kernelHeight * g.kernelWidth : rows.count * columns.count
  }

  /// The mean of each window, padding read as zeros. O(planes·output size·kernel size).
  static func averagePool<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ g: PoolingGeometry, countingPadding: Bool,
    _ destination: UnsafeMutablePointer<S>
  ) {
    var k = 0
    for plane in 0..<g.planes {
      let base = plane * g.height * g.width
      for i in 0..<g.outputHeight {
        for j in 0..<g.outputWidth {
          let (rows, columns) = g.window(i, j)
          var sum: S = 0
          for r in rows {
            for c in columns { sum += source[base + r * g.width + c] }
          }
          let count = divisor(g, rows: rows, columns: columns, countingPadding: countingPadding)
          destination[k] = sum / S(count)
          k += 1
        }
      }
    }
  }

  /// The input's gradient of average pooling: each output's `dy / divisor` added to every
  /// input scalar of its window (overlapping windows accumulate). `destination` has the
  /// input's size and is zeroed first. O(input size + planes·output size·kernel size).
  static func averagePoolBackward<S: TensorScalar>(
    _ gradient: UnsafePointer<S>, _ g: PoolingGeometry, countingPadding: Bool,
    _ destination: UnsafeMutablePointer<S>
  ) {
    destination.initialize(repeating: 0, count: g.planes * g.height * g.width)
    var k = 0
    for plane in 0..<g.planes {
      let base = plane * g.height * g.width
      for i in 0..<g.outputHeight {
        for j in 0..<g.outputWidth {
          let (rows, columns) = g.window(i, j)
          let count = divisor(g, rows: rows, columns: columns, countingPadding: countingPadding)
          let share = gradient[k] / S(count)
          for r in rows {
            for c in columns { destination[base + r * g.width + c] += share }
          }
          k += 1
        }
      }
    }
  }
}

/// One pooling loop, named with its pointers: the dispatchers below take one of these so that
/// each scalar type needs one non-generic entry point for all of them.
@usableFromInline
enum PoolingKernel<S: TensorScalar> {
  /// `PoolingKernels.maxPool`: destination, offsets, source, geometry.
  case maxPool(
    UnsafeMutablePointer<S>, UnsafeMutablePointer<Int>, UnsafePointer<S>, PoolingGeometry)
  /// `PoolingKernels.averagePool`: destination, source, geometry, whether padding counts.
  case averagePool(UnsafeMutablePointer<S>, UnsafePointer<S>, PoolingGeometry, Bool)
  /// `PoolingKernels.averagePoolBackward`: destination, gradient, geometry, whether padding
  /// counts.
  case averagePoolBackward(UnsafeMutablePointer<S>, UnsafePointer<S>, PoolingGeometry, Bool)

  /// Runs the loop, compiled for `S`.
  func run() {
    switch self {
    case .maxPool(let destination, let offsets, let source, let geometry):
      PoolingKernels.maxPool(source, geometry, destination, offsets: offsets)
    case .averagePool(let destination, let source, let geometry, let countingPadding):
      PoolingKernels.averagePool(
        source, geometry, countingPadding: countingPadding, destination)
    case .averagePoolBackward(let destination, let gradient, let geometry, let countingPadding):
      PoolingKernels.averagePoolBackward(
        gradient, geometry, countingPadding: countingPadding, destination)
    }
  }
}

extension TensorScalar {
  /// Runs a pooling loop: in specialised code one direct call to the entry point compiled for
  /// `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _poolingKernel(_ kernel: PoolingKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.pooling(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.pooling(reinterpret(kernel))
    } else {
      GenericKernels.pooling(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func pooling(_ kernel: PoolingKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func pooling(_ kernel: PoolingKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func pooling<S: TensorScalar>(_ kernel: PoolingKernel<S>) { kernel.run() }
}
