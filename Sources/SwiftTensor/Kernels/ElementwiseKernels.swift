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
    case .negate: map(source, destination, count, UnaryFunctions.Negate())
    case .exp:
      if fastVectorMath(.exp, source, destination, count, vectorMath) { return }
      map(source, destination, count, UnaryFunctions.Exp())
    case .log:
      if fastVectorMath(.log, source, destination, count, vectorMath) { return }
      map(source, destination, count, fill: 1, UnaryFunctions.Log())
    case .sqrt: map(source, destination, count, UnaryFunctions.SquareRoot())
    case .tanh:
      if fastVectorMath(.tanh, source, destination, count, vectorMath) { return }
      map(source, destination, count, UnaryFunctions.Tanh())
    case .sigmoid:
      if fastVectorMath(.sigmoid, source, destination, count, vectorMath) { return }
      map(source, destination, count, UnaryFunctions.Sigmoid())
    case .relu: map(source, destination, count, UnaryFunctions.Relu())
    case .abs: map(source, destination, count, UnaryFunctions.Magnitude())
    case .square: map(source, destination, count, UnaryFunctions.Square())
    case .power(let exponent):
      switch exponent {
      case 1: map(source, destination, count, UnaryFunctions.Identity())
      case 2: map(source, destination, count, UnaryFunctions.Square())
      case 0.5: map(source, destination, count, UnaryFunctions.SquareRoot())
      default: map(source, destination, count, UnaryFunctions.Power(exponent: exponent))
      }
    case .addScalar(let c): map(source, destination, count, UnaryFunctions.AddScalar(c: c))
    case .multiplyScalar(let c):
      map(source, destination, count, UnaryFunctions.MultiplyScalar(c: c))
    case .subtractFromScalar(let c):
      map(source, destination, count, UnaryFunctions.SubtractFromScalar(c: c))
    case .divideScalarBy(let c):
      map(source, destination, count, fill: 1, UnaryFunctions.DivideScalarBy(c: c))
    case .fill(let c) where c == 0 && c.sign == .plus:
      // memset: zeroing a parameter's gradient each step is a large share of a small step.
      destination.update(repeating: 0, count: count)
    case .fill(let c): map(source, destination, count, UnaryFunctions.Fill(c: c))
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

  /// `destination[i] = function(source[i])`, specialised for each function type, so that the
  /// loop's body is the function's vector instructions (closures were left as a call per
  /// vector).
  private static func map<F: UnaryVectorFunction>(
    _ source: UnsafePointer<F.Scalar>, _ destination: UnsafeMutablePointer<F.Scalar>,
    _ count: Int, fill: F.Scalar = 0, _ function: F
  ) {
    let width = F.Scalar.Vector.scalarCount
    var i = 0
    while i + width <= count {
      destination.storeVector(function(source.loadVector(at: i)), at: i)
      i += width
    }
    if i + 1 == count {
      // A lone element (a scalar tensor, the tail of an odd row): broadcast it, far cheaper
      // than assembling a partial vector lane by lane.
      destination[i] = function(F.Scalar.Vector(repeating: source[i]))[0]
    } else if i < count {
      let rest = count - i
      destination.storePartialVector(
        function(source.loadPartialVector(at: i, count: rest, fill: fill)), at: i, count: rest)
    }
  }

  /// `result`, or NaN in the lanes where `a` or `b` is NaN.
  @inline(__always)
  static func propagateNaN<V: SIMD>(_ a: V, _ b: V, _ result: V) -> V
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
