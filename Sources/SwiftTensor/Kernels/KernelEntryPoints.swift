// Non-generic entry points into the kernels. Each body calls a generic kernel with concrete
// types, so the library compiles a copy specialised for `Float` (or `Double`); the dispatchers
// of `TensorScalar+Kernels.swift`, inlined into generic code in any module, call them directly.
// `GenericKernels` serves scalar types other than `Float` and `Double`.

/// The kernels specialised for `Float`.
@usableFromInline
enum FloatKernels {
  @usableFromInline
  static func unary(
    _ operation: UnaryKernel<Float>, _ source: UnsafePointer<Float>,
    _ destination: UnsafeMutablePointer<Float>, count: Int
  ) {
    ElementwiseKernels.unary(operation, source, destination, count: count)
  }

  @usableFromInline
  static func binary(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<Float>, lhsStrides: [Int],
    _ rhs: UnsafePointer<Float>, rhsStrides: [Int], _ destination: UnsafeMutablePointer<Float>,
    shape: [Int]
  ) {
    ElementwiseKernels.binary(
      operation, lhs, lhsStrides: lhsStrides, rhs, rhsStrides: rhsStrides, destination,
      shape: shape)
  }

  @usableFromInline
  static func reduce(
    _ operation: ReduceKernel, _ source: UnsafePointer<Float>, outer: Int, length: Int,
    inner: Int, _ destination: UnsafeMutablePointer<Float>
  ) {
    ReductionKernels.reduce(
      operation, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func argReduce(
    largest: Bool, _ source: UnsafePointer<Float>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    ReductionKernels.argReduce(
      largest: largest, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func softmax(
    log: Bool, _ source: UnsafePointer<Float>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) {
    SoftmaxKernels.softmax(
      log: log, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func gather(
    _ source: UnsafePointer<Float>, strides: [Int], _ destination: UnsafeMutablePointer<Float>,
    shape: [Int]
  ) {
    CopyKernels.gather(source, strides: strides, destination, shape: shape)
  }

  @usableFromInline
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    GEMM.multiply(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }

  @usableFromInline
  static func scatterAddRows(
    _ source: UnsafePointer<Float>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<Float>
  ) {
    RecurrentKernels.scatterAddRows(source, ids: ids, count: count, width: width, destination)
  }
}

/// The kernels specialised for `Double`.
@usableFromInline
enum DoubleKernels {
  @usableFromInline
  static func unary(
    _ operation: UnaryKernel<Double>, _ source: UnsafePointer<Double>,
    _ destination: UnsafeMutablePointer<Double>, count: Int
  ) {
    ElementwiseKernels.unary(operation, source, destination, count: count)
  }

  @usableFromInline
  static func binary(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<Double>, lhsStrides: [Int],
    _ rhs: UnsafePointer<Double>, rhsStrides: [Int], _ destination: UnsafeMutablePointer<Double>,
    shape: [Int]
  ) {
    ElementwiseKernels.binary(
      operation, lhs, lhsStrides: lhsStrides, rhs, rhsStrides: rhsStrides, destination,
      shape: shape)
  }

  @usableFromInline
  static func reduce(
    _ operation: ReduceKernel, _ source: UnsafePointer<Double>, outer: Int, length: Int,
    inner: Int, _ destination: UnsafeMutablePointer<Double>
  ) {
    ReductionKernels.reduce(
      operation, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func argReduce(
    largest: Bool, _ source: UnsafePointer<Double>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    ReductionKernels.argReduce(
      largest: largest, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func softmax(
    log: Bool, _ source: UnsafePointer<Double>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Double>
  ) {
    SoftmaxKernels.softmax(
      log: log, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func gather(
    _ source: UnsafePointer<Double>, strides: [Int], _ destination: UnsafeMutablePointer<Double>,
    shape: [Int]
  ) {
    CopyKernels.gather(source, strides: strides, destination, shape: shape)
  }

  @usableFromInline
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int, beta: Double,
    _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    GEMM.multiply(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }

  @usableFromInline
  static func scatterAddRows(
    _ source: UnsafePointer<Double>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<Double>
  ) {
    RecurrentKernels.scatterAddRows(source, ids: ids, count: count, width: width, destination)
  }
}

/// The kernels for any other scalar type, compiled generically.
@usableFromInline
enum GenericKernels {
  @usableFromInline
  static func unary<S: TensorScalar>(
    _ operation: UnaryKernel<S>, _ source: UnsafePointer<S>,
    _ destination: UnsafeMutablePointer<S>, count: Int
  ) {
    ElementwiseKernels.unary(operation, source, destination, count: count)
  }

  @usableFromInline
  static func binary<S: TensorScalar>(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<S>, lhsStrides: [Int],
    _ rhs: UnsafePointer<S>, rhsStrides: [Int], _ destination: UnsafeMutablePointer<S>,
    shape: [Int]
  ) {
    ElementwiseKernels.binary(
      operation, lhs, lhsStrides: lhsStrides, rhs, rhsStrides: rhsStrides, destination,
      shape: shape)
  }

  @usableFromInline
  static func reduce<S: TensorScalar>(
    _ operation: ReduceKernel, _ source: UnsafePointer<S>, outer: Int, length: Int,
    inner: Int, _ destination: UnsafeMutablePointer<S>
  ) {
    ReductionKernels.reduce(
      operation, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func argReduce<S: TensorScalar>(
    largest: Bool, _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    ReductionKernels.argReduce(
      largest: largest, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func softmax<S: TensorScalar>(
    log: Bool, _ source: UnsafePointer<S>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    SoftmaxKernels.softmax(
      log: log, source, outer: outer, length: length, inner: inner, destination)
  }

  @usableFromInline
  static func gather<S: TensorScalar>(
    _ source: UnsafePointer<S>, strides: [Int], _ destination: UnsafeMutablePointer<S>,
    shape: [Int]
  ) {
    CopyKernels.gather(source, strides: strides, destination, shape: shape)
  }

  @usableFromInline
  static func gemm<S: TensorScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, beta: S,
    _ c: UnsafeMutablePointer<S>, ldc: Int
  ) {
    GEMM.multiply(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }

  @usableFromInline
  static func scatterAddRows<S: TensorScalar>(
    _ source: UnsafePointer<S>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<S>
  ) {
    RecurrentKernels.scatterAddRows(source, ids: ids, count: count, width: width, destination)
  }
}
