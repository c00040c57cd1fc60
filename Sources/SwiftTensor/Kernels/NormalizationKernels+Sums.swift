// The sums of the portable normalisation loops (NormalizationKernels.swift), per row or per
// channel.

extension NormalizationKernels {
  /// One row of a layer norm's backward: returns `(Σ g, Σ g·x̂)` with `g = dy·γ` and
  /// `x̂ = (x - mean)·rstd`, summed in vectors of `S` (a row's few hundred terms), and adds
  /// `dy·x̂` and `dy` to `weightPartial` and `biasPartial`. O(count).
  @inline(__always)
  static func rowSums<S: TensorScalar>(
    _ x: UnsafePointer<S>, _ dy: UnsafePointer<S>, weight: UnsafePointer<S>?, count: Int,
    mean: S, rstd: S, into weightPartial: UnsafeMutablePointer<S>,
    _ biasPartial: UnsafeMutablePointer<S>
  ) -> (Double, Double) {
    let width = S.Vector.scalarCount
    let (meanVector, rstdVector) = (S.Vector(repeating: mean), S.Vector(repeating: rstd))
    var (g, p) = (S.Vector(), S.Vector())
    var k = 0
    while k + width <= count {
      let d = dy.loadVector(at: k)
      let normalized = (x.loadVector(at: k) - meanVector) * rstdVector
      let scaled = weight.map { d * $0.loadVector(at: k) } ?? d
      g += scaled
      p += scaled * normalized
      let (oldWeight, oldBias) = (
        UnsafePointer(weightPartial).loadVector(at: k), UnsafePointer(biasPartial).loadVector(at: k)
      )
      weightPartial.storeVector(oldWeight + d * normalized, at: k)
      biasPartial.storeVector(oldBias + d, at: k)
      k += width
    }
    var (gradientSum, projectionSum) = (
      Double(ReductionKernels.horizontalSum(g)), Double(ReductionKernels.horizontalSum(p))
    )
    while k < count {
      let normalized = (x[k] - mean) * rstd
      let scaled = dy[k] * (weight?[k] ?? 1)
      gradientSum += Double(scaled)
      projectionSum += Double(scaled * normalized)
      weightPartial[k] += dy[k] * normalized
      biasPartial[k] += dy[k]
      k += 1
    }
    return (gradientSum, projectionSum)
  }

  /// `Σ p[k]` in `Double`, with four running sums so that the additions overlap.
  @inline(__always)
  static func sum<S: TensorScalar>(_ p: UnsafePointer<S>, count: Int) -> Double {
    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
    var k = 0
    while k + 4 <= count {
      s0 += Double(p[k])
      s1 += Double(p[k + 1])
      s2 += Double(p[k + 2])
      s3 += Double(p[k + 3])
      k += 4
    }
    while k < count {
      s0 += Double(p[k])
      k += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// `Σ (p[k] - mean)²` in `Double`, with four running sums.
  @inline(__always)
  static func squaredDeviations<S: TensorScalar>(
    _ p: UnsafePointer<S>, count: Int, from mean: Double
  ) -> Double {
    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
    var k = 0
    while k + 4 <= count {
      let (d0, d1) = (Double(p[k]) - mean, Double(p[k + 1]) - mean)
      let (d2, d3) = (Double(p[k + 2]) - mean, Double(p[k + 3]) - mean)
      s0 += d0 * d0
      s1 += d1 * d1
      s2 += d2 * d2
      s3 += d3 * d3
      k += 4
    }
    while k < count {
      let d = Double(p[k]) - mean
      s0 += d * d
      k += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  /// `(Σ dy, Σ dy·x̂)` over one channel's run, `x̂ = (x - mean)·rstd`, in `Double`.
  @inline(__always)
  static func gradientSums<S: TensorScalar>(
    _ dy: UnsafePointer<S>, _ x: UnsafePointer<S>, count: Int, mean: S, rstd: S
  ) -> (Double, Double) {
    var (g0, g1, p0, p1) = (0.0, 0.0, 0.0, 0.0)
    var k = 0
    while k + 2 <= count {
      g0 += Double(dy[k])
      g1 += Double(dy[k + 1])
      p0 += Double(dy[k] * ((x[k] - mean) * rstd))
      p1 += Double(dy[k + 1] * ((x[k + 1] - mean) * rstd))
      k += 2
    }
    if k < count {
      g0 += Double(dy[k])
      p0 += Double(dy[k] * ((x[k] - mean) * rstd))
    }
    return (g0 + g1, p0 + p1)
  }
}
