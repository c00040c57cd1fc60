// The loops of layer and group normalisation. Both normalise "rows": a layer norm's row is one
// sample's trailing `normalizedShape` scalars, a group norm's is one group of channels of one
// sample. Each row is `channels` runs of `inner` scalars, and the affine parameters are indexed
// by channel, repeating every `groups` rows: a layer norm has one group of `length` channels of
// one scalar, a group norm `groups` groups of `channels / groups` channels of `spatial` scalars.

/// The loops over the scalars of the normalisations. A layer norm's channels are single
/// scalars, so its parameters change at every element: it takes loops over the whole row with
/// per-element parameters (`inner == 1`), which vectorise, rather than a loop of one per channel.
enum NormalizationKernels {
  /// Per row: the mean and the biased variance (two passes, summed in `Double`, so a row far
  /// from 0 loses no precision to `E[x²] - E[x]²`), then `(x - mean)·rstd·γ + β` written in
  /// the same sweep; saves the mean and `rstd = 1/√(var + ε)`. O(rows · length).
  static func forward<S: TensorScalar>(_ a: NormalizationForward<S>) {
    shareRows(a.layout) { _, rows in forward(a, rows: rows) }
  }

  /// `forward` over `rows` only.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  static func forward<S: TensorScalar>(_ a: NormalizationForward<S>, rows: Range<Int>) {
    if runsInC(S.self, a.layout) { return forwardInC(a, rows: rows) }
    let layout = a.layout
    let length = layout.length
    for r in rows {
      let row = a.x + r * length
      let mean = length == 0 ? 0 : sum(row, count: length) / Double(length)
      let variance =
        length == 0 ? 0 : squaredDeviations(row, count: length, from: mean) / Double(length)
      let rstd = 1 / (variance + a.epsilon).squareRoot()
      a.mean[r] = S(mean)
      a.reciprocalDeviation[r] = S(rstd)
      let (m, s, output) = (S(mean), S(rstd), a.output + r * length)
      let first = (r % layout.groups) * layout.channels
      // `(x - m)·scale + β`, not `x·scale + (β - m·scale)`: the latter cancels badly in Float
      // when the mean is large against the deviation.
      if layout.inner == 1, let weight = a.weight.map({ $0 + first }) {
        if let bias = a.bias.map({ $0 + first }) {
          for k in 0..<length { output[k] = (row[k] - m) * s * weight[k] + bias[k] }
        } else {
          for k in 0..<length { output[k] = (row[k] - m) * s * weight[k] }
        }
        continue
      }
      for c in 0..<layout.channels {
        let scale = s * (a.weight?[first + c] ?? 1)
        let shift = a.bias?[first + c] ?? 0
        let start = c * layout.inner
        for k in start..<(start + layout.inner) { output[k] = (row[k] - m) * scale + shift }
      }
    }
  }

  /// Per row, with `g = dy·γ` and `x̂ = (x - mean)·rstd`: a first pass sums `g` and `g·x̂`
  /// (and adds `dy·x̂` and `dy` to each parameter's `dγ` and `dβ`: in `Double`, or for a
  /// layer norm in `S` over blocks of 32 rows and then in `Double`), a second
  /// writes `dx = rstd·(g - mean(g) - x̂·mean(g·x̂))`. O(rows · length).
  ///
  /// Rows are shared between threads (`shareRows`); each share sums the parameters' gradients
  /// apart, and the shares' sums are added in share order.
  static func backward<S: TensorScalar>(_ a: NormalizationBackward<S>) {
    let count = a.layout.parameterCount
    let threads = rowThreads(a.layout)
    // Per-parameter sums, in `Double`: a batch of many rows adds many terms to each. Each
    // share has its own weight and bias sums, `2·count` values.
    let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * count * threads)
    sums.initialize(repeating: 0, count: 2 * count * threads)
    defer { sums.deallocate() }
    shareRows(a.layout) { t, rows in
      backward(
        a, rows: rows, weightSums: sums + 2 * count * t, biasSums: sums + 2 * count * t + count)
    }
    for p in 0..<count {
      var (weight, bias) = (0.0, 0.0)
      for t in 0..<threads {
        weight += sums[2 * count * t + p]
        bias += sums[2 * count * t + count + p]
      }
      a.weightGradient?[p] = S(weight)
      a.biasGradient?[p] = S(bias)
    }
  }

  /// The threads `shareRows` uses: two or more from 64K scalars (a `[512, 128]` layer norm),
  /// where a share of rows outweighs waking a worker.
  static func rowThreads(_ layout: NormalizationLayout) -> Int {
    layout.rows > 1 && layout.rows * layout.length >= 1 << 16
      ? Swift.min(GEMM.coreCount, layout.rows) : 1
  }

  /// Runs `body(share, rows)` for fixed, contiguous shares of the rows on `rowThreads` threads.
  static func shareRows(_ layout: NormalizationLayout, _ body: (Int, Range<Int>) -> Void) {
    WorkerPool.shared.runShares(of: layout.rows, threads: rowThreads(layout), body)
  }

  /// `backward` over `rows` only, adding the parameters' gradients to `weightSums` and
  /// `biasSums`.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  static func backward<S: TensorScalar>(
    _ a: NormalizationBackward<S>, rows: Range<Int>, weightSums: UnsafeMutablePointer<Double>,
    biasSums: UnsafeMutablePointer<Double>
  ) {
    if runsInC(S.self, a.layout) {
      return backwardInC(a, rows: rows, weightSums: weightSums, biasSums: biasSums)
    }
    let layout = a.layout
    let length = layout.length
    // With one scalar per channel (a layer norm), the parameters' sums gather in vectors of
    // `S` over blocks of rows and are added to the `Double` sums once per block.
    let count = layout.inner == 1 ? layout.parameterCount : 0
    let partial = UnsafeMutablePointer<S>.allocate(capacity: 2 * count)
    partial.initialize(repeating: 0, count: 2 * count)
    defer { partial.deallocate() }
    var rowsInBlock = 0
    func flush() {
      for p in 0..<count {
        weightSums[p] += Double(partial[p])
        biasSums[p] += Double(partial[count + p])
      }
      partial.update(repeating: 0, count: 2 * count)
      rowsInBlock = 0
    }
    defer { if rowsInBlock > 0 { flush() } }
    for r in rows {
      let (row, dy) = (a.x + r * length, a.outputGradient + r * length)
      let (m, rstd) = (a.mean[r], a.reciprocalDeviation[r])
      let first = (r % layout.groups) * layout.channels
      var (gradientSum, projectionSum) = (0.0, 0.0)
      if layout.inner == 1 {
        (gradientSum, projectionSum) = rowSums(
          row, dy, weight: a.weight.map { $0 + first }, count: length, mean: m, rstd: rstd,
          into: partial + first, partial + count + first)
        rowsInBlock += 1
        if rowsInBlock == 32 { flush() }
      } else {
        for c in 0..<layout.channels {
          let start = c * layout.inner
          let (channelBias, channelWeight) = gradientSums(
            dy + start, row + start, count: layout.inner, mean: m, rstd: rstd)
          let gamma = Double(a.weight?[first + c] ?? 1)
          gradientSum += gamma * channelBias
          projectionSum += gamma * channelWeight
          weightSums[first + c] += channelWeight
          biasSums[first + c] += channelBias
        }
      }
      guard let dx = a.inputGradient.map({ $0 + r * length }), length > 0 else { continue }
      let meanGradient = S(gradientSum / Double(length))
      let meanProjection = S(projectionSum / Double(length))
      // With `accumulatesInputGradient`, dx is added to what the buffer holds (a `0·dx` would
      // keep a NaN of an uninitialised buffer).
      let accumulate = a.accumulatesInputGradient
      if layout.inner == 1, let weight = a.weight.map({ $0 + first }) {
        for k in 0..<length {
          let normalized = (row[k] - m) * rstd
          let v = rstd * (dy[k] * weight[k] - meanGradient - normalized * meanProjection)
          dx[k] = accumulate ? dx[k] + v : v
        }
        continue
      }
      for c in 0..<layout.channels {
        let gamma = a.weight?[first + c] ?? 1
        let start = c * layout.inner
        for k in start..<(start + layout.inner) {
          let normalized = (row[k] - m) * rstd
          let v = rstd * (dy[k] * gamma - meanGradient - normalized * meanProjection)
          dx[k] = accumulate ? dx[k] + v : v
        }
      }
    }
  }
}

extension TensorScalar {
  /// Runs a normalisation loop: in specialised code one direct call to the entry point
  /// compiled for `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _normalizationKernel(_ kernel: NormalizationKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.normalization(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.normalization(reinterpret(kernel))
    } else {
      GenericKernels.normalization(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func normalization(_ kernel: NormalizationKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func normalization(_ kernel: NormalizationKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func normalization<S: TensorScalar>(_ kernel: NormalizationKernel<S>) { kernel.run() }
}
