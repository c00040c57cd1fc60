// The loops of batch normalisation. Channel `c` of a `[batch, channels, inner]` input is
// `batch` runs of `inner` contiguous scalars, one per sample, `channels · inner` apart. The
// loops take one channel at a time, so that its runs (a few hundred kilobytes at most for
// common image sizes) stay in cache between the passes over them; each run is swept with
// `S.Vector` arithmetic. Sums of a run are taken in vectors of `S` over blocks of at most
// `block` scalars and added in `Double`, so a Float channel of a million scalars keeps its
// precision.

/// The loops over the scalars of a batch normalisation.
enum BatchNormalizationKernels {
  /// The longest stretch of a run summed in `S` before its total is added in `Double`.
  static var block: Int { 4096 }

  /// Per channel: in training, the mean and the biased variance of its scalars (two passes,
  /// so a channel far from 0 loses no precision to `E[x²] - E[x]²`), saving the mean, the
  /// unbiased variance and `rstd = 1/√(var + ε)`; in evaluation, the running statistics. Then
  /// `(x - mean)·rstd·γ + β` in one more pass. O(batch · channels · inner).
  static func forward<S: TensorScalar>(_ a: BatchNormalizationForward<S>) {
    let layout = a.layout
    let count = layout.perChannel
    for c in 0..<layout.channels {
      let first = a.x + c * layout.inner
      var mean: Double
      var variance: Double
      if let runningMean = a.runningMean, let runningVariance = a.runningVariance {
        (mean, variance) = (Double(runningMean[c]), Double(runningVariance[c]))
        a.variance[c] = runningVariance[c]
      } else {
        var sum = 0.0
        forEachRun(of: first, layout) { sum += runSum($0, count: layout.inner) }
        mean = count == 0 ? 0 : sum / Double(count)
        var squares = 0.0
        let m = S(mean)
        forEachRun(of: first, layout) {
          squares += runSquaredDeviations($0, count: layout.inner, from: m)
        }
        variance = count == 0 ? 0 : squares / Double(count)
        a.variance[c] = S(count > 1 ? squares / Double(count - 1) : variance)
      }
      let rstd = 1 / (variance + a.epsilon).squareRoot()
      a.mean[c] = S(mean)
      a.reciprocalDeviation[c] = S(rstd)
      let scale = S(rstd) * (a.weight?[c] ?? 1)
      let shift = a.bias?[c] ?? 0
      let offset = c * layout.inner
      for n in 0..<layout.batch {
        let start = n * layout.sampleLength + offset
        normalizeRun(
          a.output + start, a.x + start, count: layout.inner, mean: S(mean), scale: scale,
          shift: shift)
      }
    }
  }

  /// Per channel, with `x̂ = (x - mean)·rstd`: a first pass sums `dy` and `dy·(x - mean)`
  /// (giving `dβ = Σ dy` and `dγ = Σ dy·x̂`), a second writes
  /// `dx = rstd·γ·(dy - mean(dy) - x̂·mean(dy·x̂))` in training, where the statistics depend on
  /// `x`, and `dx = rstd·γ·dy` in evaluation. O(batch · channels · inner).
  static func backward<S: TensorScalar>(_ a: BatchNormalizationBackward<S>) {
    let layout = a.layout
    let count = layout.perChannel
    for c in 0..<layout.channels {
      let offset = c * layout.inner
      let (m, rstd) = (a.mean[c], a.reciprocalDeviation[c])
      var (gradientSum, projectionSum) = (0.0, 0.0)
      if a.training || a.weightGradient != nil || a.biasGradient != nil {
        for n in 0..<layout.batch {
          let start = n * layout.sampleLength + offset
          let (g, p) = runGradientSums(
            a.outputGradient + start, a.x + start, count: layout.inner, mean: m)
          gradientSum += g
          projectionSum += p
        }
      }
      // `projectionSum` is `Σ dy·(x - mean)`; `Σ dy·x̂` is `rstd` times that.
      a.weightGradient?[c] = S(projectionSum * Double(rstd))
      a.biasGradient?[c] = S(gradientSum)
      guard let dx = a.inputGradient, count > 0 else { continue }
      let scale = rstd * (a.weight?[c] ?? 1)
      let meanGradient = a.training ? S(gradientSum / Double(count)) : 0
      let projection =
        a.training ? scale * S(projectionSum * Double(rstd) * Double(rstd) / Double(count)) : 0
      for n in 0..<layout.batch {
        let start = n * layout.sampleLength + offset
        if a.training {
          inputGradientRun(
            dx + start, a.outputGradient + start, a.x + start, count: layout.inner, mean: m,
            scale: scale, meanGradient: meanGradient, projection: projection)
        } else {
          normalizeRun(
            dx + start, a.outputGradient + start, count: layout.inner, mean: 0, scale: scale,
            shift: 0)
        }
      }
    }
  }

  /// Calls `body` with each sample's run of the channel whose first run starts at `first`.
  @inline(__always)
  static func forEachRun<S: TensorScalar>(
    of first: UnsafePointer<S>, _ layout: BatchNormalizationLayout,
    _ body: (UnsafePointer<S>) -> Void
  ) {
    for n in 0..<layout.batch { body(first + n * layout.sampleLength) }
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
