/// Fused, numerically stable softmax and log-softmax along one axis.
enum SoftmaxKernels {
  /// How many scalars one pass of `softmaxRows` covers: exp and log then run over blocks of
  /// rows (one call of the C kernels each, rather than one per short row) in a scratch buffer
  /// small enough to stay in cache.
  static let blockScalars = 4096

  /// Subtracts the row maximum before exponentiating, so no finite input overflows; log-softmax
  /// is computed as `x - max - log(sum(exp(x - max)))`, never as `log(softmax)`, so it stays
  /// finite where softmax underflows to 0. A line holding NaN, or only -infinity, gives NaN.
  static func softmax<S: TensorScalar>(
    log: Bool, _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    guard length > 0 else { return }
    let blockRows = Swift.min(Swift.max(1, blockScalars / length), inner == 1 ? outer : 1)
    let scratch = UnsafeMutablePointer<S>.allocate(capacity: blockRows * (length + 1))
    defer { scratch.deallocate() }
    if inner == 1 {
      for start in stride(from: 0, to: outer, by: blockRows) {
        let rows = Swift.min(blockRows, outer - start)
        softmaxRows(
          log: log, source + start * length, destination + start * length, rows: rows,
          length: length, scratch: scratch)
      }
      return
    }
    // Strided lines: gather each into a contiguous buffer, process, scatter back.
    let line = UnsafeMutablePointer<S>.allocate(capacity: length)
    defer { line.deallocate() }
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * length * inner + i
        for l in 0..<length { line[l] = source[base + l * inner] }
        softmaxRows(
          log: log, UnsafePointer(line), line, rows: 1, length: length, scratch: scratch)
        for l in 0..<length { destination[base + l * inner] = line[l] }
      }
    }
  }

  /// Softmax (or log-softmax) of `rows` contiguous rows of `length` scalars (`y` may be `x`);
  /// `scratch` holds `rows * (length + 1)` scalars.
  private static func softmaxRows<S: TensorScalar>(
    log: Bool, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, rows: Int, length: Int,
    scratch: UnsafeMutablePointer<S>
  ) {
    let count = rows * length
    let width = S.Vector.scalarCount
    // `y = x - max` row by row; a row with NaN or no finite mass gets NaN as its maximum,
    // which every later step carries to its outputs.
    for row in 0..<rows {
      let (source, target) = (x + row * length, y + row * length)
      var maximum = -S.infinity
      var hasNaN = false
      for i in 0..<length {
        let v = source[i]
        if v.isNaN { hasNaN = true }
        if v > maximum { maximum = v }
      }
      if hasNaN || maximum == -.infinity { maximum = .nan }
      let shift = S.Vector(repeating: maximum)
      var i = 0
      while i + width <= length {
        target.storeVector(source.loadVector(at: i) - shift, at: i)
        i += width
      }
      for j in i..<length { target[j] = source[j] - maximum }
    }
    // e^y: into `y` itself for softmax, into the scratch for log-softmax, which keeps `y`.
    let (exponentials, sums) = log ? (scratch, scratch + count) : (y, scratch)
    ElementwiseKernels.unary(.exp, UnsafePointer(y), exponentials, count: count, splits: false)
    for row in 0..<rows {
      let values = UnsafePointer(exponentials + row * length)
      var sum = S.Vector()
      var i = 0
      while i + width <= length {
        sum += values.loadVector(at: i)
        i += width
      }
      var rest = S.zero
      for j in i..<length { rest += values[j] }
      sums[row] = ReductionKernels.horizontalSum(sum) + rest
    }
    if log {
      ElementwiseKernels.unary(.log, UnsafePointer(sums), sums, count: rows, splits: false)
      for row in 0..<rows {
        let (target, offset) = (y + row * length, sums[row])
        for j in 0..<length { target[j] -= offset }
      }
    } else {
      for row in 0..<rows {
        let (target, scale) = (y + row * length, 1 / sums[row])
        for j in 0..<length { target[j] *= scale }
      }
    }
  }
}
