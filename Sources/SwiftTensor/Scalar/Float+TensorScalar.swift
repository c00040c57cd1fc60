import Foundation

// Every requirement forwards to a generic kernel; the call here is concrete, so the compiler
// emits a copy of the kernel specialised for Float.
extension Float: TensorScalar {
  /// Kernels process `SIMD8<Float>`: one 256-bit AVX register.
  public typealias Vector = SIMD8<Float>

  /// Vectorised `exp`; see `TensorScalar._vectorExp`.
  @inline(__always)
  public static func _vectorExp(_ x: Vector) -> Vector { VectorMath.exp(x) }
  /// Vectorised `log`; see `TensorScalar._vectorLog`.
  @inline(__always)
  public static func _vectorLog(_ x: Vector) -> Vector { VectorMath.log(x) }
  /// Vectorised `tanh`; see `TensorScalar._vectorTanh`.
  @inline(__always)
  public static func _vectorTanh(_ x: Vector) -> Vector { VectorMath.tanh(x) }
  /// Vectorised sigmoid; see `TensorScalar._vectorSigmoid`.
  @inline(__always)
  public static func _vectorSigmoid(_ x: Vector) -> Vector { VectorMath.sigmoid(x) }

  /// Element-wise unary kernel; see `TensorScalar._unaryKernel`.
  public static func _unaryKernel(
    _ operation: UnaryKernel<Float>, _ source: UnsafePointer<Float>,
    _ destination: UnsafeMutablePointer<Float>, count: Int
  ) {
    ElementwiseKernels.unary(operation, source, destination, count: count)
  }

  /// Element-wise binary kernel; see `TensorScalar._binaryKernel`.
  public static func _binaryKernel(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<Float>, lhsStrides: [Int],
    _ rhs: UnsafePointer<Float>, rhsStrides: [Int],
    _ destination: UnsafeMutablePointer<Float>, shape: [Int]
  ) {
    ElementwiseKernels.binary(
      operation, lhs, lhsStrides: lhsStrides, rhs, rhsStrides: rhsStrides, destination,
      shape: shape)
  }

  /// Reduction kernel; see `TensorScalar._reduceKernel`.
  public static func _reduceKernel(
    _ operation: ReduceKernel, _ source: UnsafePointer<Float>,
    outer: Int, length: Int, inner: Int, _ destination: UnsafeMutablePointer<Float>
  ) {
    ReductionKernels.reduce(
      operation, source, outer: outer, length: length, inner: inner, destination)
  }

  /// Arg-max/arg-min kernel; see `TensorScalar._argReduceKernel`.
  public static func _argReduceKernel(
    largest: Bool, _ source: UnsafePointer<Float>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    ReductionKernels.argReduce(
      largest: largest, source, outer: outer, length: length, inner: inner, destination)
  }

  /// Softmax kernel; see `TensorScalar._softmaxKernel`.
  public static func _softmaxKernel(
    log: Bool, _ source: UnsafePointer<Float>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) {
    SoftmaxKernels.softmax(
      log: log, source, outer: outer, length: length, inner: inner, destination)
  }

  /// Strided copy kernel; see `TensorScalar._gatherKernel`.
  public static func _gatherKernel(
    _ source: UnsafePointer<Float>, strides: [Int], _ destination: UnsafeMutablePointer<Float>,
    shape: [Int]
  ) {
    CopyKernels.gather(source, strides: strides, destination, shape: shape)
  }

  /// Matrix multiplication kernel; see `TensorScalar._gemm`.
  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    GEMM.multiply(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }

  /// Optimiser update kernel; see `TensorScalar._updateKernel`.
  public static func _updateKernel(
    _ rule: UpdateRule<Float>, _ parameters: UnsafeMutablePointer<Float>,
    _ gradients: UnsafePointer<Float>, first: UnsafeMutablePointer<Float>?,
    second: UnsafeMutablePointer<Float>?, count: Int
  ) {
    OptimizerKernels.update(
      rule, parameters, gradients, first: first, second: second, count: count)
  }

  /// `x^y` for one element, from the platform's libm.
  public static func _pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }

  /// Recurrent forward step kernel; see `TensorScalar._recurrentForwardKernel`.
  public static func _recurrentForwardKernel(
    _ cell: RecurrentCellKind, _ step: _RecurrentForwardStep<Float>
  ) {
    RecurrentKernels.forward(cell, step)
  }

  /// Recurrent backward step kernel; see `TensorScalar._recurrentBackwardKernel`.
  public static func _recurrentBackwardKernel(
    _ cell: RecurrentCellKind, _ step: _RecurrentBackwardStep<Float>
  ) {
    RecurrentKernels.backward(cell, step)
  }

  /// Row scatter-add kernel; see `TensorScalar._scatterAddRowsKernel`.
  public static func _scatterAddRowsKernel(
    _ source: UnsafePointer<Float>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) {
    RecurrentKernels.scatterAddRows(source, ids: ids, count: count, width: width, destination)
  }

  /// Packs a GEMM operand once; see `TensorScalar._prepack`.
  public static func _prepack(
    transposed: Bool, _ b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int,
    into buffer: UnsafeMutablePointer<Float>
  ) {
    GEMM.prepack(transposed: transposed, b, ldb: ldb, k: k, n: n, into: buffer)
  }

  /// GEMM with a prepacked right operand; see `TensorScalar._gemmPrepacked`.
  public static func _gemmPrepacked(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, packedB: UnsafePointer<Float>,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
  ) {
    GEMM.multiplyPrepacked(
      m: m, n: n, k: k, a, lda: lda, packedB: packedB, beta: beta, c, ldc: ldc, threads: threads)
  }
}
