// How generic code reaches the kernels. Every dispatcher compares `Self` with `Float` and
// `Double`: in code specialised for a scalar type (the inlinable tensor API, specialised in the
// caller's module) the comparison is a constant and one direct call to a non-generic entry
// point remains; in unspecialised code it is one metatype comparison per kernel call. The
// kernels are thus no requirements of `TensorScalar` and no public API.

/// Reinterprets `value` as `Target`; called only where both are known to be the same type.
@inlinable
@inline(__always)
func reinterpret<Source, Target>(_ value: Source) -> Target {
  unsafeBitCast(value, to: Target.self)
}

extension TensorScalar {
  /// Applies `operation` to `count` contiguous elements of `source`, writing to `destination`
  /// (which may equal `source`).
  @inlinable
  static func _unaryKernel(
    _ operation: UnaryKernel<Self>, _ source: UnsafePointer<Self>,
    _ destination: UnsafeMutablePointer<Self>, count: Int
  ) {
    if Self.self == Float.self {
      FloatKernels.unary(
        reinterpret(operation), reinterpret(source), reinterpret(destination), count: count)
    } else if Self.self == Double.self {
      DoubleKernels.unary(
        reinterpret(operation), reinterpret(source), reinterpret(destination), count: count)
    } else {
      GenericKernels.unary(operation, source, destination, count: count)
    }
  }

  /// Applies `operation` element-wise over `shape`, reading `lhs` and `rhs` through strides
  /// (a stride of 0 broadcasts) and writing `destination` contiguously. Empty stride arrays
  /// mean both operands are contiguous with `shape`.
  @inlinable
  static func _binaryKernel(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<Self>, lhsStrides: [Int],
    _ rhs: UnsafePointer<Self>, rhsStrides: [Int], _ destination: UnsafeMutablePointer<Self>,
    shape: [Int]
  ) {
    if Self.self == Float.self {
      FloatKernels.binary(
        operation, reinterpret(lhs), lhsStrides: lhsStrides, reinterpret(rhs),
        rhsStrides: rhsStrides,
        reinterpret(destination), shape: shape)
    } else if Self.self == Double.self {
      DoubleKernels.binary(
        operation, reinterpret(lhs), lhsStrides: lhsStrides, reinterpret(rhs),
        rhsStrides: rhsStrides,
        reinterpret(destination), shape: shape)
    } else {
      GenericKernels.binary(
        operation, lhs, lhsStrides: lhsStrides, rhs, rhsStrides: rhsStrides, destination,
        shape: shape)
    }
  }

  /// Reduces the middle axis of a `[outer, length, inner]` view of `source` into
  /// `destination` of `[outer, inner]`.
  @inlinable
  static func _reduceKernel(
    _ operation: ReduceKernel, _ source: UnsafePointer<Self>, outer: Int, length: Int,
    inner: Int, _ destination: UnsafeMutablePointer<Self>
  ) {
    if Self.self == Float.self {
      FloatKernels.reduce(
        operation, reinterpret(source), outer: outer, length: length, inner: inner,
        reinterpret(destination))
    } else if Self.self == Double.self {
      DoubleKernels.reduce(
        operation, reinterpret(source), outer: outer, length: length, inner: inner,
        reinterpret(destination))
    } else {
      GenericKernels.reduce(
        operation, source, outer: outer, length: length, inner: inner, destination)
    }
  }

  /// Index of the largest (or smallest) element along the middle axis of a
  /// `[outer, length, inner]` view; the first one on ties; NaN counts as largest and smallest.
  @inlinable
  static func _argReduceKernel(
    largest: Bool, _ source: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>
  ) {
    if Self.self == Float.self {
      FloatKernels.argReduce(
        largest: largest, reinterpret(source), outer: outer, length: length, inner: inner,
        destination)
    } else if Self.self == Double.self {
      DoubleKernels.argReduce(
        largest: largest, reinterpret(source), outer: outer, length: length, inner: inner,
        destination)
    } else {
      GenericKernels.argReduce(
        largest: largest, source, outer: outer, length: length, inner: inner, destination)
    }
  }

  /// Softmax (or log-softmax) along the middle axis of a `[outer, length, inner]` view.
  @inlinable
  static func _softmaxKernel(
    log: Bool, _ source: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Self>
  ) {
    if Self.self == Float.self {
      FloatKernels.softmax(
        log: log, reinterpret(source), outer: outer, length: length, inner: inner,
        reinterpret(destination))
    } else if Self.self == Double.self {
      DoubleKernels.softmax(
        log: log, reinterpret(source), outer: outer, length: length, inner: inner,
        reinterpret(destination))
    } else {
      GenericKernels.softmax(
        log: log, source, outer: outer, length: length, inner: inner, destination)
    }
  }

  /// Copies the strided view of `source` over `shape` into contiguous `destination`.
  @inlinable
  static func _gatherKernel(
    _ source: UnsafePointer<Self>, strides: [Int], _ destination: UnsafeMutablePointer<Self>,
    shape: [Int]
  ) {
    if Self.self == Float.self {
      FloatKernels.gather(
        reinterpret(source), strides: strides, reinterpret(destination), shape: shape)
    } else if Self.self == Double.self {
      DoubleKernels.gather(
        reinterpret(source), strides: strides, reinterpret(destination), shape: shape)
    } else {
      GenericKernels.gather(source, strides: strides, destination, shape: shape)
    }
  }

  /// `C = alpha * op(A) * op(B) + beta * C`, row-major, where `op` transposes when asked.
  ///
  /// `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `lda`, `ldb`, `ldc` are the row
  /// strides of the stored matrices. When `beta` is 0, `C` is not read (NaNs in it do not leak).
  @inlinable
  static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int, beta: Self,
    _ c: UnsafeMutablePointer<Self>, ldc: Int
  ) {
    if Self.self == Float.self {
      FloatKernels.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: reinterpret(alpha),
        reinterpret(a), lda: lda, reinterpret(b), ldb: ldb, beta: reinterpret(beta), reinterpret(c),
        ldc: ldc)
    } else if Self.self == Double.self {
      DoubleKernels.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: reinterpret(alpha),
        reinterpret(a), lda: lda, reinterpret(b), ldb: ldb, beta: reinterpret(beta), reinterpret(c),
        ldc: ldc)
    } else {
      GenericKernels.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
        a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
  }

  /// Adds row `k` of `source` (`count` rows of `width`) to row `ids[k]` of `destination`.
  @inlinable
  static func _scatterAddRowsKernel(
    _ source: UnsafePointer<Self>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<Self>
  ) {
    if Self.self == Float.self {
      FloatKernels.scatterAddRows(
        reinterpret(source), ids: ids, count: count, width: width, reinterpret(destination))
    } else if Self.self == Double.self {
      DoubleKernels.scatterAddRows(
        reinterpret(source), ids: ids, count: count, width: width, reinterpret(destination))
    } else {
      GenericKernels.scatterAddRows(source, ids: ids, count: count, width: width, destination)
    }
  }
}

// The packed products of the recurrent layers are called only from inside the library
// (possibly from unspecialised generic code), so their dispatchers need not be inlinable: the
// library specialises each branch's call itself.
extension TensorScalar {
  /// Packs op(B) (`k x n`, transposed when asked) once for `_gemmPrepacked`, into
  /// `GEMM.prepackedCount(_:k:n:)` scalars.
  static func _prepack(
    transposed: Bool, _ b: UnsafePointer<Self>, ldb: Int, k: Int, n: Int,
    into buffer: UnsafeMutablePointer<Self>
  ) {
    if Self.self == Float.self {
      GEMM.prepack(
        transposed: transposed, reinterpret(b) as UnsafePointer<Float>, ldb: ldb, k: k, n: n,
        into: reinterpret(buffer))
    } else if Self.self == Double.self {
      GEMM.prepack(
        transposed: transposed, reinterpret(b) as UnsafePointer<Double>, ldb: ldb, k: k, n: n,
        into: reinterpret(buffer))
    } else {
      GEMM.prepack(transposed: transposed, b, ldb: ldb, k: k, n: n, into: buffer)
    }
  }

  /// `C = A·B + beta·C` with `A` `m x k` (row stride `lda`) and `B` packed by `_prepack`, split
  /// over up to `threads` threads.
  static func _gemmPrepacked(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, packedB: UnsafePointer<Self>,
    beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int, threads: Int
  ) {
    if Self.self == Float.self {
      GEMM.multiplyPrepacked(
        m: m, n: n, k: k, reinterpret(a) as UnsafePointer<Float>, lda: lda,
        packedB: reinterpret(packedB), beta: reinterpret(beta), reinterpret(c), ldc: ldc,
        threads: threads)
    } else if Self.self == Double.self {
      GEMM.multiplyPrepacked(
        m: m, n: n, k: k, reinterpret(a) as UnsafePointer<Double>, lda: lda,
        packedB: reinterpret(packedB), beta: reinterpret(beta), reinterpret(c), ldc: ldc,
        threads: threads)
    } else {
      GEMM.multiplyPrepacked(
        m: m, n: n, k: k, a, lda: lda, packedB: packedB, beta: beta, c, ldc: ldc,
        threads: threads)
    }
  }
}
