// Batch normalisation of inputs whose channels hold fewer scalars per sample than a vector
// (`[batch, channels]` above all). A channel's runs are then too short to sweep in vectors, so
// these loops sweep whole samples instead, vectorised across the positions of a sample
// (`channel · inner + s`) with per-position coefficient rows, and reduce positions to channels
// at the end.

extension BatchNormalizationKernels {
  /// The forward pass, sample by sample (see `forward`). O(batch · channels · inner).
  static func forwardRows<S: TensorScalar>(_ a: BatchNormalizationForward<S>) {
    let layout = a.layout
    let rows = CoefficientRows<S>(layout)
    defer { rows.deallocate() }
    let x = a.x
    var means = (0..<layout.channels).map { Double(a.runningMean?[$0] ?? 0) }
    var squares = [Double](repeating: 0, count: layout.channels)
    if a.runningMean == nil {
      means = rows.channelSums {
        x.loadVector(at: $0)
      } scalar: {
        x[$0]
      }
      for c in 0..<layout.channels { means[c] /= Double(layout.perChannel) }
      let m = rows.fill(rows.first, with: means.map { S($0) })
      squares = rows.channelSums { offset, k in
        let d = x.loadVector(at: offset) - m.loadVector(at: k)
        return d * d
      } scalar: { offset, k in
        let d = x[offset] - m[k]
        return d * d
      }
    }
    let coefficients = (0..<layout.channels).map {
      finishChannel(a, $0, mean: means[$0], squares: squares[$0])
    }
    let m = rows.fill(rows.first, with: coefficients.map(\.mean))
    let s = rows.fill(rows.second, with: coefficients.map(\.scale))
    let b = rows.fill(rows.third, with: coefficients.map(\.shift))
    let y = a.output
    rows.forEachPosition { offset, k in
      let value = (x.loadVector(at: offset) - m.loadVector(at: k)) * s.loadVector(at: k)
      y.storeVector(value + b.loadVector(at: k), at: offset)
    } scalar: { offset, k in
      y[offset] = (x[offset] - m[k]) * s[k] + b[k]
    }
  }

  /// The backward pass, sample by sample (see `backward`). O(batch · channels · inner).
  static func backwardRows<S: TensorScalar>(_ a: BatchNormalizationBackward<S>) {
    let layout = a.layout
    let rows = CoefficientRows<S>(layout)
    defer { rows.deallocate() }
    let (x, dy) = (a.x, a.outputGradient)
    let m = rows.fill(rows.first, with: (0..<layout.channels).map { a.mean[$0] })
    let gradientSums = rows.channelSums { offset, _ in
      dy.loadVector(at: offset)
    } scalar: {
      offset, _ in
      dy[offset]
    }
    let projectionSums = rows.channelSums { offset, k in
      dy.loadVector(at: offset) * (x.loadVector(at: offset) - m.loadVector(at: k))
    } scalar: { offset, k in
      dy[offset] * (x[offset] - m[k])
    }
    let coefficients = (0..<layout.channels).map {
      finishGradient(a, $0, gradientSum: gradientSums[$0], projectionSum: projectionSums[$0])
    }
    guard let dx = a.inputGradient else { return }
    let s = rows.fill(rows.second, with: coefficients.map(\.scale))
    guard a.training else {
      rows.forEachPosition { offset, k in
        dx.storeVector(dy.loadVector(at: offset) * s.loadVector(at: k), at: offset)
      } scalar: { offset, k in
        dx[offset] = dy[offset] * s[k]
      }
      return
    }
    let g = rows.fill(rows.third, with: coefficients.map(\.meanGradient))
    let p = rows.fill(rows.fourth, with: coefficients.map(\.projection))
    rows.forEachPosition { offset, k in
      let centred = x.loadVector(at: offset) - m.loadVector(at: k)
      let value = (dy.loadVector(at: offset) - g.loadVector(at: k)) * s.loadVector(at: k)
      dx.storeVector(value - centred * p.loadVector(at: k), at: offset)
    } scalar: { offset, k in
      dx[offset] = (dy[offset] - g[k]) * s[k] - (x[offset] - m[k]) * p[k]
    }
  }
}

/// Scratch rows of one sample's length for the loops of `+Rows`: four rows of per-position
/// coefficients (each channel's value repeated over its `inner` positions) and the partial
/// sums of a pass.
struct CoefficientRows<S: TensorScalar> {
  let layout: BatchNormalizationLayout
  let first: UnsafeMutablePointer<S>
  let second: UnsafeMutablePointer<S>
  let third: UnsafeMutablePointer<S>
  let fourth: UnsafeMutablePointer<S>
  let sums: UnsafeMutablePointer<S>
  let totals: UnsafeMutablePointer<Double>

  init(_ layout: BatchNormalizationLayout) {
    self.layout = layout
    let length = layout.sampleLength
    (first, second) = (.allocate(capacity: length), .allocate(capacity: length))
    (third, fourth) = (.allocate(capacity: length), .allocate(capacity: length))
    sums = .allocate(capacity: length)
    totals = .allocate(capacity: length)
  }

  func deallocate() {
    for row in [first, second, third, fourth, sums] { row.deallocate() }
    totals.deallocate()
  }

  /// The number of rows summed in `S` before the sums are added in `Double`.
  var block: Int { 256 }

  /// Repeats each channel's value over its positions in `row`, and returns the row.
  @inline(__always)
  func fill(_ row: UnsafeMutablePointer<S>, with values: [S]) -> UnsafePointer<S> {
    for c in 0..<layout.channels {
      (row + c * layout.inner).initialize(repeating: values[c], count: layout.inner)
    }
    return UnsafePointer(row)
  }

  /// Calls `vector` at each vector-wide stretch of every sample and `scalar` at each position
  /// of a sample's tail, with the offset in the tensor and the position in the sample.
  @inline(__always)
  func forEachPosition(
    _ vector: (_ offset: Int, _ position: Int) -> Void,
    scalar: (_ offset: Int, _ position: Int) -> Void
  ) {
    let length = layout.sampleLength
    let width = S.Vector.scalarCount
    let vectorEnd = length - length % width
    for n in 0..<layout.batch {
      let start = n * length
      var k = 0
      while k < vectorEnd {
        vector(start + k, k)
        k += width
      }
      while k < length {
        scalar(start + k, k)
        k += 1
      }
    }
  }

  /// Per channel, the sum over the batch and the channel's positions of `term`, given the
  /// offset in the tensor and the position in the sample: per position in `S` vectors over
  /// blocks of rows, added in `Double`, then over each channel's positions.
  @inline(__always)
  func channelSums(
    _ term: (_ offset: Int, _ position: Int) -> S.Vector,
    scalar: (_ offset: Int, _ position: Int) -> S
  ) -> [Double] {
    let length = layout.sampleLength
    let width = S.Vector.scalarCount
    let vectorEnd = length - length % width
    totals.initialize(repeating: 0, count: length)
    var n = 0
    while n < layout.batch {
      let end = Swift.min(n + block, layout.batch)
      sums.initialize(repeating: 0, count: length)
      for row in n..<end {
        let start = row * length
        var k = 0
        while k < vectorEnd {
          sums.storeVector(UnsafePointer(sums).loadVector(at: k) + term(start + k, k), at: k)
          k += width
        }
        while k < length {
          sums[k] += scalar(start + k, k)
          k += 1
        }
      }
      for k in 0..<length { totals[k] += Double(sums[k]) }
      n = end
    }
    return (0..<layout.channels).map { c in
      (0..<layout.inner).reduce(0) { $0 + totals[c * layout.inner + $1] }
    }
  }

  /// `channelSums` of a term that reads only the offset.
  @inline(__always)
  func channelSums(
    _ term: (_ offset: Int) -> S.Vector, scalar: (_ offset: Int) -> S
  ) -> [Double] {
    channelSums({ offset, _ in term(offset) }, scalar: { offset, _ in scalar(offset) })
  }
}
