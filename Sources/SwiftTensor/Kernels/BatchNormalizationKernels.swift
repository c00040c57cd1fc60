// The loops of batch normalisation. Channel `c` of a `[batch, channels, inner]` input is
// `batch` runs of `inner` contiguous scalars, one per sample, `channels · inner` apart. Each
// pass walks the tensor in memory order, sample by sample and channel by channel, so that it
// streams (taking one channel at a time instead jumps a whole sample between runs, which was
// measured much slower), and sweeps each run with `S.Vector` arithmetic into
// per-channel totals. Sums of a run are taken in vectors of `S` over blocks of at most `block`
// scalars and added in `Double`, so a Float channel of a million scalars keeps its precision.
// Channels of fewer scalars per sample than a vector take the loops of `+Rows` instead.

/// The loops over the scalars of a batch normalisation.
enum BatchNormalizationKernels {
  /// The longest stretch of a run summed in `S` before its total is added in `Double`.
  static var block: Int { 4096 }

  /// Per channel: in training, the mean and the biased variance of its scalars (two passes,
  /// so a channel far from 0 loses no precision to `E[x²] - E[x]²`), saving the mean, the
  /// unbiased variance and `rstd = 1/√(var + ε)`; in evaluation, the running statistics. Then
  /// `(x - mean)·rstd·γ + β` in one more pass. O(batch · channels · inner).
  static func forward<S: TensorScalar>(_ a: BatchNormalizationForward<S>) {
    guard a.layout.inner >= S.Vector.scalarCount else { return forwardRows(a) }
    nonisolated(unsafe) let a = a
    shareChannels(a.layout) { forward(a, channels: $0) }
  }

  /// `forward` for the channels in `channels` (each thread's share).
  static func forward<S: TensorScalar>(_ a: BatchNormalizationForward<S>, channels: Range<Int>) {
    let layout = a.layout
    var means = (0..<layout.channels).map { Double(a.runningMean?[$0] ?? 0) }
    var squares = [Double](repeating: 0, count: layout.channels)
    if a.runningMean == nil {
      forEachRun(layout, channels) { c, offset in
        means[c] += runSum(a.x + offset, count: layout.inner)
      }
      for c in channels { means[c] /= Double(layout.perChannel) }
      forEachRun(layout, channels) { c, offset in
        squares[c] += runSquaredDeviations(a.x + offset, count: layout.inner, from: S(means[c]))
      }
    }
    var coefficients = [(mean: S, scale: S, shift: S)](repeating: (0, 0, 0), count: layout.channels)
    for c in channels { coefficients[c] = finishChannel(a, c, mean: means[c], squares: squares[c]) }
    forEachRun(layout, channels) { c, offset in
      let (mean, scale, shift) = coefficients[c]
      normalizeRun(
        a.output + offset, a.x + offset, count: layout.inner, mean: mean, scale: scale,
        shift: shift)
    }
  }

  /// Saves channel `c`'s statistics, from its mean and sum of squared deviations in training
  /// or the running variance in evaluation; returns the mean, `rstd·γ` and `β`.
  @inline(__always)
  static func finishChannel<S: TensorScalar>(
    _ a: BatchNormalizationForward<S>, _ c: Int, mean: Double, squares: Double
  ) -> (mean: S, scale: S, shift: S) {
    let count = a.layout.perChannel
    let variance: Double
    if let running = a.runningVariance {
      variance = Double(running[c])
      a.variance[c] = running[c]
    } else {
      variance = count == 0 ? 0 : squares / Double(count)
      a.variance[c] = S(count > 1 ? squares / Double(count - 1) : variance)
    }
    let rstd = 1 / (variance + a.epsilon).squareRoot()
    a.mean[c] = S(mean)
    a.reciprocalDeviation[c] = S(rstd)
    return (S(mean), S(rstd) * (a.weight?[c] ?? 1), a.bias?[c] ?? 0)
  }

  /// Per channel, with `x̂ = (x - mean)·rstd`: a first pass sums `dy` and `dy·(x - mean)`
  /// (giving `dβ = Σ dy` and `dγ = Σ dy·x̂`), a second writes
  /// `dx = rstd·γ·(dy - mean(dy) - x̂·mean(dy·x̂))` in training, where the statistics depend on
  /// `x`, and `dx = rstd·γ·dy` in evaluation. O(batch · channels · inner).
  static func backward<S: TensorScalar>(_ a: BatchNormalizationBackward<S>) {
    guard a.layout.inner >= S.Vector.scalarCount else { return backwardRows(a) }
    nonisolated(unsafe) let a = a
    shareChannels(a.layout) { backward(a, channels: $0) }
  }

  /// `backward` for the channels in `channels` (each thread's share).
  static func backward<S: TensorScalar>(_ a: BatchNormalizationBackward<S>, channels: Range<Int>) {
    let layout = a.layout
    var gradientSums = [Double](repeating: 0, count: layout.channels)
    var projectionSums = [Double](repeating: 0, count: layout.channels)
    forEachRun(layout, channels) { c, offset in
      let (g, p) = runGradientSums(
        a.outputGradient + offset, a.x + offset, count: layout.inner, mean: a.mean[c])
      gradientSums[c] += g
      projectionSums[c] += p
    }
    var coefficients = [(scale: S, meanGradient: S, projection: S)](
      repeating: (0, 0, 0), count: layout.channels)
    for c in channels {
      coefficients[c] = finishGradient(
        a, c, gradientSum: gradientSums[c], projectionSum: projectionSums[c])
    }
    guard let dx = a.inputGradient else { return }
    forEachRun(layout, channels) { c, offset in
      let (scale, meanGradient, projection) = coefficients[c]
      if a.training {
        inputGradientRun(
          dx + offset, a.outputGradient + offset, a.x + offset, count: layout.inner,
          mean: a.mean[c], scale: scale, meanGradient: meanGradient, projection: projection)
      } else {
        normalizeRun(
          dx + offset, a.outputGradient + offset, count: layout.inner, mean: 0, scale: scale,
          shift: 0)
      }
    }
  }

  /// Writes channel `c`'s `dγ` and `dβ` from `Σ dy` and `Σ dy·(x - mean)`, and returns the
  /// coefficients of `dx = (dy - meanGradient)·scale - (x - mean)·projection`: `scale = rstd·γ`,
  /// `meanGradient = mean(dy)` and `projection = scale·rstd·mean(dy·x̂)` in training, zeros in
  /// evaluation.
  @inline(__always)
  static func finishGradient<S: TensorScalar>(
    _ a: BatchNormalizationBackward<S>, _ c: Int, gradientSum: Double, projectionSum: Double
  ) -> (scale: S, meanGradient: S, projection: S) {
    let rstd = a.reciprocalDeviation[c]
    // `projectionSum` is `Σ dy·(x - mean)`; `Σ dy·x̂` is `rstd` times that.
    a.weightGradient?[c] = S(projectionSum * Double(rstd))
    a.biasGradient?[c] = S(gradientSum)
    let scale = rstd * (a.weight?[c] ?? 1)
    let count = Double(Swift.max(a.layout.perChannel, 1))
    guard a.training else { return (scale, 0, 0) }
    let projection = S(projectionSum * Double(rstd) * Double(rstd) / count)
    return (scale, S(gradientSum / count), scale * projection)
  }

  /// Calls `body` with the channel and the offset of every run of the channels in `channels`,
  /// in memory order.
  @inline(__always)
  static func forEachRun(
    _ layout: BatchNormalizationLayout, _ channels: Range<Int>, _ body: (Int, Int) -> Void
  ) {
    for n in 0..<layout.batch {
      for c in channels { body(c, n * layout.sampleLength + c * layout.inner) }
    }
  }

  /// Runs `body` on fixed shares of the channels, one per thread from a tensor large enough
  /// for a second thread to pay (channels are independent, and each channel's sums are taken
  /// by one thread in one order, so the result does not depend on the thread count).
  static func shareChannels(
    _ layout: BatchNormalizationLayout, _ body: @escaping @Sendable (Range<Int>) -> Void
  ) {
    let threads =
      layout.batch * layout.sampleLength >= 1 << 16 && layout.channels > 1
      ? Swift.min(GEMM.coreCount, layout.channels) : 1
    WorkerPool.shared.runShares(of: layout.channels, threads: threads) { body($1) }
  }

  /// `Σ x[k]`: vector sums in `S` over blocks, added in `Double`.
  @inline(__always)
  static func runSum<S: TensorScalar>(_ x: UnsafePointer<S>, count: Int) -> Double {
    let width = S.Vector.scalarCount
    var total = 0.0
    var blockStart = 0
    while blockStart < count {
      let end = Swift.min(blockStart + block, count)
      var (s0, s1) = (S.Vector(repeating: 0), S.Vector(repeating: 0))
      var k = blockStart
      while k + 2 * width <= end {
        s0 += x.loadVector(at: k)
        s1 += x.loadVector(at: k + width)
        k += 2 * width
      }
      if k + width <= end {
        s0 += x.loadVector(at: k)
        k += width
      }
      var partial = Double((s0 + s1).sum())
      while k < end {
        partial += Double(x[k])
        k += 1
      }
      total += partial
      blockStart = end
    }
    return total
  }

  /// `Σ (x[k] - mean)²`: vector sums in `S` over blocks, added in `Double`.
  @inline(__always)
  static func runSquaredDeviations<S: TensorScalar>(
    _ x: UnsafePointer<S>, count: Int, from mean: S
  ) -> Double {
    let width = S.Vector.scalarCount
    let m = S.Vector(repeating: mean)
    var total = 0.0
    var blockStart = 0
    while blockStart < count {
      let end = Swift.min(blockStart + block, count)
      var (s0, s1) = (S.Vector(repeating: 0), S.Vector(repeating: 0))
      var k = blockStart
      while k + 2 * width <= end {
        let d0 = x.loadVector(at: k) - m
        let d1 = x.loadVector(at: k + width) - m
        s0 += d0 * d0
        s1 += d1 * d1
        k += 2 * width
      }
      if k + width <= end {
        let d = x.loadVector(at: k) - m
        s0 += d * d
        k += width
      }
      var partial = Double((s0 + s1).sum())
      while k < end {
        let d = Double(x[k] - mean)
        partial += d * d
        k += 1
      }
      total += partial
      blockStart = end
    }
    return total
  }

  /// `(Σ dy[k], Σ dy[k]·(x[k] - mean))`: vector sums in `S` over blocks, added in `Double`.
  @inline(__always)
  static func runGradientSums<S: TensorScalar>(
    _ dy: UnsafePointer<S>, _ x: UnsafePointer<S>, count: Int, mean: S
  ) -> (Double, Double) {
    let width = S.Vector.scalarCount
    let m = S.Vector(repeating: mean)
    var (gradient, projection) = (0.0, 0.0)
    var blockStart = 0
    while blockStart < count {
      let end = Swift.min(blockStart + block, count)
      var (g, p) = (S.Vector(repeating: 0), S.Vector(repeating: 0))
      var k = blockStart
      while k + width <= end {
        let d = dy.loadVector(at: k)
        g += d
        p += d * (x.loadVector(at: k) - m)
        k += width
      }
      var (gradientPart, projectionPart) = (Double(g.sum()), Double(p.sum()))
      while k < end {
        gradientPart += Double(dy[k])
        projectionPart += Double(dy[k] * (x[k] - mean))
        k += 1
      }
      gradient += gradientPart
      projection += projectionPart
      blockStart = end
    }
    return (gradient, projection)
  }

  /// `y[k] = (x[k] - mean)·scale + shift`; not `x·scale + (shift - mean·scale)`, which cancels
  /// badly in Float when the mean is large against the deviation.
  @inline(__always)
  static func normalizeRun<S: TensorScalar>(
    _ y: UnsafeMutablePointer<S>, _ x: UnsafePointer<S>, count: Int, mean: S, scale: S, shift: S
  ) {
    let width = S.Vector.scalarCount
    let (m, s, b) = (
      S.Vector(repeating: mean), S.Vector(repeating: scale), S.Vector(repeating: shift)
    )
    var k = 0
    while k + width <= count {
      y.storeVector((x.loadVector(at: k) - m) * s + b, at: k)
      k += width
    }
    while k < count {
      y[k] = (x[k] - mean) * scale + shift
      k += 1
    }
  }

  /// `dx[k] = (dy[k] - meanGradient)·scale - (x[k] - mean)·projection`.
  @inline(__always)
  static func inputGradientRun<S: TensorScalar>(
    _ dx: UnsafeMutablePointer<S>, _ dy: UnsafePointer<S>, _ x: UnsafePointer<S>, count: Int,
    mean: S, scale: S, meanGradient: S, projection: S
  ) {
    let width = S.Vector.scalarCount
    let (m, s) = (S.Vector(repeating: mean), S.Vector(repeating: scale))
    let (g, p) = (S.Vector(repeating: meanGradient), S.Vector(repeating: projection))
    var k = 0
    while k + width <= count {
      let value = (dy.loadVector(at: k) - g) * s - (x.loadVector(at: k) - m) * p
      dx.storeVector(value, at: k)
      k += width
    }
    while k < count {
      dx[k] = (dy[k] - meanGradient) * scale - (x[k] - mean) * projection
      k += 1
    }
  }
}
