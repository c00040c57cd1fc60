/// SIMD loops for reductions along one axis of a `[outer, length, inner]` view.
enum ReductionKernels {
  static func reduce<S: TensorScalar>(
    _ operation: ReduceKernel, _ source: UnsafePointer<S>,
    outer: Int, length: Int, inner: Int, _ destination: UnsafeMutablePointer<S>
  ) {
    for o in 0..<outer {
      let row = source + o * length * inner
      let out = destination + o * inner
      if inner == 1 {
        switch operation {
        case .sum: out[0] = sumContiguous(row, length, squaring: false)
        case .sumOfSquares: out[0] = sumContiguous(row, length, squaring: true)
        case .max: out[0] = extremumContiguous(row, length, largest: true)
        case .min: out[0] = extremumContiguous(row, length, largest: false)
        }
      } else {
        reduceRows(operation, row, length: length, inner: inner, out)
      }
    }
  }

  static func argReduce<S: TensorScalar>(
    largest: Bool, _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let base = source + o * length * inner + i
        destination[o * inner + i] =
          largest
          ? argExtremum(base, length: length, stride: inner, by: >)
          : argExtremum(base, length: length, stride: inner, by: <)
      }
    }
  }

  /// The index of the first element that `better` prefers to all before it, or of the first
  /// NaN. Selects instead of branches: rows of a few classes (a classifier's scores, every
  /// step) would mispredict at each new best.
  @inline(__always)
  private static func argExtremum<S: TensorScalar>(
    _ base: UnsafePointer<S>, length: Int, stride: Int, by better: (S, S) -> Bool
  ) -> Int {
    var best = 0
    var bestValue = base[0]
    if bestValue.isNaN { return 0 }
    for l in 1..<max(length, 1) {
      let value = base[l * stride]
      if value.isNaN { return l }
      let takes = better(value, bestValue)
      best = takes ? l : best
      bestValue = takes ? value : bestValue
    }
    return best
  }

  /// Sum of a contiguous row: four vector accumulators per block of 4096 elements, and the
  /// block sums added with Kahan compensation, so the error grows far slower than a plain loop.
  private static func sumContiguous<S: TensorScalar>(
    _ p: UnsafePointer<S>, _ count: Int, squaring: Bool
  ) -> S {
    @inline(__always) func load(_ offset: Int) -> S.Vector {
      let v = p.loadVector(at: offset)
      return squaring ? v * v : v
    }
    let width = S.Vector.scalarCount
    let block = 4096
    var total: S = 0
    var compensation: S = 0
    var start = 0
    while start < count {
      let end = min(start + block, count)
      var a0 = S.Vector(), a1 = S.Vector(), a2 = S.Vector(), a3 = S.Vector()
      var i = start
      while i + 4 * width <= end {
        a0 += load(i)
        a1 += load(i + width)
        a2 += load(i + 2 * width)
        a3 += load(i + 3 * width)
        i += 4 * width
      }
      while i + width <= end {
        a0 += load(i)
        i += width
      }
      if i < end {
        let rest = p.loadPartialVector(at: i, count: end - i, fill: 0)
        a1 += squaring ? rest * rest : rest
      }
      let blockSum = horizontalSum((a0 + a1) + (a2 + a3))
      let y = blockSum - compensation
      let t = total + y
      compensation = (t - total) - y
      total = t
      start = end
    }
    return total
  }

  private static func extremumContiguous<S: TensorScalar>(
    _ p: UnsafePointer<S>, _ count: Int, largest: Bool
  ) -> S {
    let width = S.Vector.scalarCount
    var best = S.Vector(repeating: largest ? -.infinity : .infinity)
    var nan = vectorNotEqual(best, best)
    var i = 0
    while i < count {
      let n = min(width, count - i)
      let x =
        n == width ? p.loadVector(at: i) : p.loadPartialVector(at: i, count: n, fill: best[0])
      best =
        largest
        ? best.replacing(with: x, where: vectorLess(best, x))
        : best.replacing(with: x, where: vectorLess(x, best))
      nan = nan .| vectorNotEqual(x, x)
      i += width
    }
    if any(nan) { return .nan }
    var result = best[0]
    for lane in 1..<width {
      result = largest ? Swift.max(result, best[lane]) : Swift.min(result, best[lane])
    }
    return result
  }

  /// Reduces `length` rows of `inner` contiguous elements into one row.
  private static func reduceRows<S: TensorScalar>(
    _ operation: ReduceKernel, _ p: UnsafePointer<S>, length: Int, inner: Int,
    _ out: UnsafeMutablePointer<S>
  ) {
    switch operation {
    case .sum: accumulateRows(RowSum.self, p, length: length, inner: inner, out)
    case .sumOfSquares: accumulateRows(RowSumOfSquares.self, p, length: length, inner: inner, out)
    case .max: accumulateRows(RowMaximum.self, p, length: length, inner: inner, out)
    case .min: accumulateRows(RowMinimum.self, p, length: length, inner: inner, out)
    }
  }

  /// `reduceRows` specialised for one accumulation, so the loop holds no switch (a jump per
  /// vector). Each column is reduced alone, row after row, so splitting the columns between
  /// threads leaves the results as they are.
  private static func accumulateRows<S: TensorScalar, A: RowAccumulation>(
    _: A.Type, _ p: UnsafePointer<S>, length: Int, inner: Int, _ out: UnsafeMutablePointer<S>
  ) {
    out.update(repeating: A.initial(S.self), count: inner)
    let width = S.Vector.scalarCount
    ElementwiseKernels.forEachColumnShare(rows: length, columns: inner) { share in
      for l in 0..<length {
        let row = p + l * inner
        var i = share.lowerBound
        while i + width <= share.upperBound {
          let acc = UnsafePointer(out).loadVector(at: i)
          out.storeVector(A.combine(acc, row.loadVector(at: i), S.self), at: i)
          i += width
        }
        if i < share.upperBound {
          let n = share.upperBound - i
          let acc = UnsafePointer(out).loadPartialVector(at: i, count: n, fill: 0)
          let x = row.loadPartialVector(at: i, count: n, fill: 0)
          out.storePartialVector(A.combine(acc, x, S.self), at: i, count: n)
        }
      }
    }
  }
}

/// One accumulation of `ReductionKernels`' row loop: its start and its step.
protocol RowAccumulation {
  /// The value before any row.
  static func initial<S: TensorScalar>(_: S.Type) -> S
  /// `acc` after adding the row's vector `x`.
  static func combine<S: TensorScalar>(_ acc: S.Vector, _ x: S.Vector, _: S.Type) -> S.Vector
}

private enum RowSum: RowAccumulation {
  static func initial<S: TensorScalar>(_: S.Type) -> S { 0 }
  @_transparent static func combine<S: TensorScalar>(
    _ acc: S.Vector, _ x: S.Vector, _: S.Type
  ) -> S.Vector { acc + x }
}

private enum RowSumOfSquares: RowAccumulation {
  static func initial<S: TensorScalar>(_: S.Type) -> S { 0 }
  @_transparent static func combine<S: TensorScalar>(
    _ acc: S.Vector, _ x: S.Vector, _: S.Type
  ) -> S.Vector { acc + x * x }
}

/// The largest; NaN once any is NaN.
private enum RowMaximum: RowAccumulation {
  static func initial<S: TensorScalar>(_: S.Type) -> S { -.infinity }
  @_transparent static func combine<S: TensorScalar>(
    _ acc: S.Vector, _ x: S.Vector, _: S.Type
  ) -> S.Vector { acc.replacing(with: x, where: vectorLess(acc, x) .| vectorNotEqual(x, x)) }
}

/// The smallest; NaN once any is NaN.
private enum RowMinimum: RowAccumulation {
  static func initial<S: TensorScalar>(_: S.Type) -> S { .infinity }
  @_transparent static func combine<S: TensorScalar>(
    _ acc: S.Vector, _ x: S.Vector, _: S.Type
  ) -> S.Vector { acc.replacing(with: x, where: vectorLess(x, acc) .| vectorNotEqual(x, x)) }
}

extension ReductionKernels {
  /// The sum of a vector's lanes, in lane order.
  @inline(__always)
  static func horizontalSum<V: SIMD>(_ v: V) -> V.Scalar where V.Scalar: FloatingPoint {
    var s = v[0]
    for lane in 1..<V.scalarCount { s += v[lane] }
    return s
  }
}
