/// Fused, numerically stable softmax and log-softmax along one axis.
enum SoftmaxKernels {
  /// Subtracts the row maximum before exponentiating, so no finite input overflows; log-softmax
  /// is computed as `x - max - log(sum(exp(x - max)))`, never as `log(softmax)`, so it stays
  /// finite where softmax underflows to 0.
  static func softmax<S: TensorScalar>(
    log: Bool, _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    guard length > 0 else { return }
    if inner == 1 {
      for o in 0..<outer {
        softmaxRow(log: log, source + o * length, destination + o * length, length)
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
        softmaxRow(log: log, UnsafePointer(line), line, length)
        for l in 0..<length { destination[base + l * inner] = line[l] }
      }
    }
  }

  private static func softmaxRow<S: TensorScalar>(
    log: Bool, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int
  ) {
    let width = S.Vector.scalarCount
    var maximum = -S.infinity
    var hasNaN = false
    for i in 0..<n {
      let v = x[i]
      if v.isNaN { hasNaN = true }
      if v > maximum { maximum = v }
    }
    if hasNaN {
      y.update(repeating: .nan, count: n)
      return
    }
    // An all -infinity row has no mass: softmax is undefined there (NaN, as in PyTorch).
    if maximum == -.infinity {
      y.update(repeating: .nan, count: n)
      return
    }
    let shift = S.Vector(repeating: maximum)
    var sum = S.Vector()
    var i = 0
    while i < n {
      let count = min(width, n - i)
      let v =
        count == width
        ? x.loadVector(at: i) : x.loadPartialVector(at: i, count: count, fill: -.infinity)
      let e = S._vectorExp(v - shift)
      sum += e
      if !log {
        if count == width {
          y.storeVector(e, at: i)
        } else {
          y.storePartialVector(e, at: i, count: count)
        }
      }
      i += width
    }
    let total = ReductionKernels.horizontalSum(sum)
    if log {
      let offset = maximum + S._vectorLog(S.Vector(repeating: total))[0]
      for j in 0..<n { y[j] = x[j] - offset }
    } else {
      let scale = 1 / total
      for j in 0..<n { y[j] *= scale }
    }
  }
}
