import SwiftTensorCKernels

/// Which implementation `ElementwiseKernels.unary` uses for exp, log, tanh and sigmoid.
///
/// Only tests pass `.portable`: on a CPU with AVX2+FMA the C kernels would otherwise hide the
/// portable Swift kernels from them (as `GEMMKernelChoice` does for GEMM).
enum VectorMathKernelChoice: Sendable {
  /// The AVX2+FMA C kernels when this CPU has them, else the Swift `VectorMath` kernels.
  case automatic
  /// Always the Swift `VectorMath` kernels (the only ones on arm64).
  case portable
}

/// SIMD loops for element-wise operations.
///
/// Each operation is written once as a vector function; the tail of a row is padded into a
/// vector, so every element goes through the same arithmetic (results never depend on where an
/// element falls in memory).
enum ElementwiseKernels {
  /// `destination[i] = operation(source[i])` for `i < count`; `source` and `destination` may be
  /// the same buffer.
  ///
  /// exp, log, tanh and sigmoid run the AVX2+FMA C kernels when this CPU has them and
  /// `vectorMath` is `.automatic` (they compute the same algorithms as `VectorMath`); everything
  /// else, and every operation on other CPUs, runs the Swift SIMD loop. O(count) time.
  static func unary<S: TensorScalar>(
    _ operation: UnaryKernel<S>, _ source: UnsafePointer<S>,
    _ destination: UnsafeMutablePointer<S>, count: Int,
    vectorMath: VectorMathKernelChoice = .automatic, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, y) = (source, destination)
    if splits
      && splitting(
        count,
        { start, part in
          unary(operation, x + start, y + start, count: part, vectorMath: vectorMath, splits: false)
        })
    {
      return
    }
    switch operation {
    case .negate: map(source, destination, count) { -$0 }
    case .exp:
      if fastVectorMath(.exp, source, destination, count, vectorMath) { return }
      map(source, destination, count) { S._vectorExp($0) }
    case .log:
      if fastVectorMath(.log, source, destination, count, vectorMath) { return }
      map(source, destination, count, fill: 1) { S._vectorLog($0) }
    case .sqrt: map(source, destination, count) { lanes($0) { $0.squareRoot() } }
    case .tanh:
      if fastVectorMath(.tanh, source, destination, count, vectorMath) { return }
      map(source, destination, count) { S._vectorTanh($0) }
    case .sigmoid:
      if fastVectorMath(.sigmoid, source, destination, count, vectorMath) { return }
      map(source, destination, count) { S._vectorSigmoid($0) }
    // `x < 0` is false for NaN, so NaN passes through.
    case .relu:
      map(source, destination, count) { $0.replacing(with: 0, where: vectorLess($0, .zero)) }
    case .abs: map(source, destination, count) { lanes($0) { $0.magnitude } }
    case .square: map(source, destination, count) { $0 * $0 }
    case .power(let exponent):
      switch exponent {
      case 1: map(source, destination, count) { $0 }
      case 2: map(source, destination, count) { $0 * $0 }
      case 0.5: map(source, destination, count) { lanes($0) { $0.squareRoot() } }
      default: map(source, destination, count) { lanes($0) { S._pow($0, exponent) } }
      }
    case .addScalar(let c): map(source, destination, count) { $0 + c }
    case .multiplyScalar(let c): map(source, destination, count) { $0 * c }
    case .subtractFromScalar(let c): map(source, destination, count) { c - $0 }
    case .divideScalarBy(let c): map(source, destination, count, fill: 1) { c / $0 }
    case .fill(let c) where c == 0 && c.sign == .plus:
      // memset: zeroing a parameter's gradient each step is a large share of a small step.
      destination.update(repeating: 0, count: count)
    case .fill(let c): map(source, destination, count) { _ in S.Vector(repeating: c) }
    }
  }

  static func binary<S: TensorScalar>(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<S>, lhsStrides: [Int],
    _ rhs: UnsafePointer<S>, rhsStrides: [Int],
    _ destination: UnsafeMutablePointer<S>, shape: [Int]
  ) {
    let one = S.Vector(repeating: 1)
    let zero = S.Vector(repeating: 0)
    @inline(__always)
    func run(_ op: (S.Vector, S.Vector) -> S.Vector) {
      // Empty strides: both operands are contiguous with `shape`, the common case, which
      // needs no stride bookkeeping (and so no array allocations).
      if lhsStrides.isEmpty && rhsStrides.isEmpty {
        let count = shape.reduce(1, *)
        let split = withoutActuallyEscaping(op) { op in
          nonisolated(unsafe) let (a, b, c, op) = (lhs, rhs, destination, op)
          return splitting(count) { start, part in
            zipRow(a + start, 1, b + start, 1, c + start, part, op)
          }
        }
        if split { return }
        zipRow(lhs, 1, rhs, 1, destination, count, op)
        return
      }
      let (shape, strides) = StridedLoops.collapse(
        shape: shape, strides: [lhsStrides, rhsStrides])
      let inner = shape.count - 1  // collapse returns at least one axis
      StridedLoops.forEachRow(shape: shape, strides: strides) { offsets, d in
        zipRow(
          lhs + offsets[0], strides[0][inner], rhs + offsets[1], strides[1][inner],
          destination + d, shape[inner], op)
      }
    }
    switch operation {
    case .add: run(+)
    case .subtract: run(-)
    case .multiply: run(*)
    case .divide: run(/)
    case .power: run { a, b in lanes(a, b, S._pow) }
    case .maximum: run { a, b in propagateNaN(a, b, a.replacing(with: b, where: vectorLess(a, b))) }
    case .minimum: run { a, b in propagateNaN(a, b, a.replacing(with: b, where: vectorLess(b, a))) }
    case .equal: run { a, b in zero.replacing(with: one, where: vectorEqual(a, b)) }
    case .notEqual: run { a, b in zero.replacing(with: one, where: vectorNotEqual(a, b)) }
    case .less: run { a, b in zero.replacing(with: one, where: vectorLess(a, b)) }
    case .lessOrEqual: run { a, b in zero.replacing(with: one, where: vectorLessOrEqual(a, b)) }
    case .greater: run { a, b in zero.replacing(with: one, where: vectorLess(b, a)) }
    case .greaterOrEqual: run { a, b in zero.replacing(with: one, where: vectorLessOrEqual(b, a)) }
    case .tanhBackward: run { y, dy in dy * (one - y * y) }
    case .sigmoidBackward: run { y, dy in dy * y * (one - y) }
    case .reluBackward: run { x, dy in zero.replacing(with: dy, where: vectorLess(zero, x)) }
    }
  }

  // MARK: - AVX2+FMA vector math

  /// The elementary functions that have C kernels.
  enum FastFunction {
    /// `e^x`.
    case exp
    /// Natural logarithm.
    case log
    /// Hyperbolic tangent.
    case tanh
    /// Logistic sigmoid.
    case sigmoid
  }

  /// Runs `function` over the array with the AVX2+FMA C kernel and returns true, or returns
  /// false (having done nothing) when the Swift loop must run instead: another architecture,
  /// a CPU without AVX2+FMA, a scalar type other than `Float`/`Double`, or `.portable`. O(count).
  @inline(__always)
  private static func fastVectorMath<S: TensorScalar>(
    _ function: FastFunction, _ source: UnsafePointer<S>,
    _ destination: UnsafeMutablePointer<S>, _ count: Int, _ choice: VectorMathKernelChoice
  ) -> Bool {
    #if arch(x86_64)
      guard choice == .automatic, CPU.hasAVX2FMA else { return false }
      // `S.self == Float.self` is a constant in each specialisation, so only one branch remains.
      if S.self == Float.self {
        let x = UnsafeRawPointer(source).assumingMemoryBound(to: Float.self)
        let y = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self)
        switch function {
        case .exp: swifttensor_exp_f32(x, y, count)
        case .log: swifttensor_log_f32(x, y, count)
        case .tanh: swifttensor_tanh_f32(x, y, count)
        case .sigmoid: swifttensor_sigmoid_f32(x, y, count)
        }
        return true
      }
      if S.self == Double.self {
        let x = UnsafeRawPointer(source).assumingMemoryBound(to: Double.self)
        let y = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Double.self)
        switch function {
        case .exp: swifttensor_exp_f64(x, y, count)
        case .log: swifttensor_log_f64(x, y, count)
        case .tanh: swifttensor_tanh_f64(x, y, count)
        case .sigmoid: swifttensor_sigmoid_f64(x, y, count)
        }
        return true
      }
    #endif
    return false
  }

  // MARK: - Loops

  @inline(__always)
  private static func map<S: TensorScalar>(
    _ source: UnsafePointer<S>, _ destination: UnsafeMutablePointer<S>, _ count: Int,
    fill: S = 0, _ op: (S.Vector) -> S.Vector
  ) {
    let width = S.Vector.scalarCount
    var i = 0
    while i + width <= count {
      destination.storeVector(op(source.loadVector(at: i)), at: i)
      i += width
    }
    if i + 1 == count {
      // A lone element (a scalar tensor, the tail of an odd row): broadcast it, far cheaper
      // than assembling a partial vector lane by lane.
      destination[i] = op(S.Vector(repeating: source[i]))[0]
    } else if i < count {
      let rest = count - i
      destination.storePartialVector(
        op(source.loadPartialVector(at: i, count: rest, fill: fill)), at: i, count: rest)
    }
  }

  /// One row of a binary operation; a stride of 0 broadcasts that operand's element.
  @inline(__always)
  private static func zipRow<S: TensorScalar>(
    _ a: UnsafePointer<S>, _ strideA: Int, _ b: UnsafePointer<S>, _ strideB: Int,
    _ d: UnsafeMutablePointer<S>, _ count: Int, _ op: (S.Vector, S.Vector) -> S.Vector
  ) {
    let width = S.Vector.scalarCount
    // Pad tails with 1 so that a division in the unused lanes cannot trap or denormalise.
    @inline(__always)
    func load(_ p: UnsafePointer<S>, _ stride: Int, _ i: Int, _ n: Int) -> S.Vector {
      if stride == 0 { return S.Vector(repeating: p[0]) }
      if stride == 1 {
        return n == width ? p.loadVector(at: i) : p.loadPartialVector(at: i, count: n, fill: 1)
      }
      var v = S.Vector(repeating: 1)
      for lane in 0..<n { v[lane] = p[(i + lane) * stride] }
      return v
    }
    var i = 0
    while i + width <= count {
      d.storeVector(op(load(a, strideA, i, width), load(b, strideB, i, width)), at: i)
      i += width
    }
    if i + 1 == count {
      // A lone element: broadcast, as in `map`.
      d[i] = op(S.Vector(repeating: a[i * strideA]), S.Vector(repeating: b[i * strideB]))[0]
    } else if i < count {
      let rest = count - i
      d.storePartialVector(
        op(load(a, strideA, i, rest), load(b, strideB, i, rest)), at: i, count: rest)
    }
  }

  @inline(__always)
  private static func propagateNaN<V: SIMD>(_ a: V, _ b: V, _ result: V) -> V
  where V.Scalar: FloatingPoint {
    result.replacing(with: a + b, where: vectorNotEqual(a, a) .| vectorNotEqual(b, b))
  }

  /// Applies a scalar function lane by lane (for functions with no vector form).
  @inline(__always)
  static func lanes<V: SIMD>(_ x: V, _ f: (V.Scalar) -> V.Scalar) -> V {
    var y = x
    for lane in x.indices { y[lane] = f(x[lane]) }
    return y
  }

  @inline(__always)
  static func lanes<V: SIMD>(_ x: V, _ y: V, _ f: (V.Scalar, V.Scalar) -> V.Scalar) -> V {
    var z = x
    for lane in x.indices { z[lane] = f(x[lane], y[lane]) }
    return z
  }
}
