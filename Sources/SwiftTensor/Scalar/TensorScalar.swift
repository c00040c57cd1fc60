/// An element type of a tensor: `Float` or `Double`.
///
/// The protocol carries the kernels as static requirements. Generic tensor code calls
/// `Scalar._someKernel(...)`, and each conforming type forwards to the kernel specialised for it,
/// so generic code (including a user's code in another module) runs the vectorised loops
/// instead of unspecialised per-element generic arithmetic, which is two orders of magnitude slower.
///
/// The underscored requirements are the kernel interface: they take raw pointers, do no shape
/// checking, and are not meant to be called directly; use the `Tensor` API.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
  /// The SIMD vector the kernels process at a time (eight `Float`s or four `Double`s: one
  /// 256-bit register).
  associatedtype Vector: SIMD where Vector.Scalar == Self

  /// Natural exponential of each lane; overflows to infinity, underflows through subnormals to 0.
  static func _vectorExp(_ x: Vector) -> Vector
  /// Natural logarithm of each lane; `-infinity` at 0, NaN below 0.
  static func _vectorLog(_ x: Vector) -> Vector
  /// Hyperbolic tangent of each lane.
  static func _vectorTanh(_ x: Vector) -> Vector
  /// Logistic sigmoid `1 / (1 + exp(-x))` of each lane.
  static func _vectorSigmoid(_ x: Vector) -> Vector

  /// `x^y` for one element (the platform's libm `pow`).
  static func _pow(_ x: Self, _ y: Self) -> Self

  /// Applies `operation` to `count` contiguous elements of `source`, writing to `destination`
  /// (which may equal `source`).
  static func _unaryKernel(
    _ operation: UnaryKernel<Self>, _ source: UnsafePointer<Self>,
    _ destination: UnsafeMutablePointer<Self>, count: Int)

  /// Applies `operation` element-wise over `shape`, reading `lhs` and `rhs` through strides
  /// (a stride of 0 broadcasts) and writing `destination` contiguously. Empty stride arrays
  /// mean both operands are contiguous with `shape`.
  static func _binaryKernel(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<Self>, lhsStrides: [Int],
    _ rhs: UnsafePointer<Self>, rhsStrides: [Int],
    _ destination: UnsafeMutablePointer<Self>, shape: [Int])

  /// Reduces the middle axis of a `[outer, length, inner]` view of `source` into
  /// `destination` of `[outer, inner]`.
  static func _reduceKernel(
    _ operation: ReduceKernel, _ source: UnsafePointer<Self>,
    outer: Int, length: Int, inner: Int, _ destination: UnsafeMutablePointer<Self>)

  /// Index of the largest (or smallest) element along the middle axis of a
  /// `[outer, length, inner]` view; the first one on ties; NaN counts as largest and smallest.
  static func _argReduceKernel(
    largest: Bool, _ source: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Int>)

  /// Softmax (or log-softmax) along the middle axis of a `[outer, length, inner]` view.
  static func _softmaxKernel(
    log: Bool, _ source: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
    _ destination: UnsafeMutablePointer<Self>)

  /// Copies the strided view of `source` over `shape` into contiguous `destination`.
  static func _gatherKernel(
    _ source: UnsafePointer<Self>, strides: [Int], _ destination: UnsafeMutablePointer<Self>,
    shape: [Int])

  /// `C = alpha * op(A) * op(B) + beta * C`, row-major, where `op` transposes when asked.
  ///
  /// `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `lda`, `ldb`, `ldc` are the row
  /// strides of the stored matrices. When `beta` is 0, `C` is not read (NaNs in it do not leak).
  static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int, beta: Self,
    _ c: UnsafeMutablePointer<Self>, ldc: Int)

  /// Updates `count` parameters in place by `rule` from their gradients, reading and writing
  /// the rule's state buffers (`first` for momentum or the first moment, `second` for the
  /// second moment; unused ones may be `nil`).
  static func _updateKernel(
    _ rule: UpdateRule<Self>, _ parameters: UnsafeMutablePointer<Self>,
    _ gradients: UnsafePointer<Self>, first: UnsafeMutablePointer<Self>?,
    second: UnsafeMutablePointer<Self>?, count: Int)

  /// One time step of a fused recurrent cell's element-wise forward pass: activates the gates
  /// in place and writes the new hidden (and cell) state; see `_RecurrentForwardStep`.
  static func _recurrentForwardKernel(
    _ cell: RecurrentCellKind, _ step: _RecurrentForwardStep<Self>)

  /// One time step of a fused recurrent cell's element-wise backward pass: the gradients of the
  /// gate pre-activations (and of the previous cell state); see `_RecurrentBackwardStep`.
  static func _recurrentBackwardKernel(
    _ cell: RecurrentCellKind, _ step: _RecurrentBackwardStep<Self>)

  /// Packs op(B) (`k x n`, transposed when asked) once for `_gemmPrepacked`, into
  /// `_prepackedCount(k:n:)` scalars.
  static func _prepack(
    transposed: Bool, _ b: UnsafePointer<Self>, ldb: Int, k: Int, n: Int,
    into buffer: UnsafeMutablePointer<Self>)

  /// `C = A·B + beta·C` with `A` `m x k` (row stride `lda`) and `B` packed by `_prepack`, split
  /// over up to `threads` threads.
  static func _gemmPrepacked(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, packedB: UnsafePointer<Self>,
    beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int, threads: Int)

  /// Adds row `k` of `source` (`count` rows of `width`) to row `ids[k]` of `destination`.
  static func _scatterAddRowsKernel(
    _ source: UnsafePointer<Self>, ids: UnsafePointer<Int>, count: Int, width: Int,
    _ destination: UnsafeMutablePointer<Self>)
}

/// One optimiser step, run by `TensorScalar._updateKernel`; the optimisers build these.
public enum UpdateRule<Scalar: TensorScalar>: Sendable {
  /// SGD: `v = momentum·v + g + wd·p`, then `p -= lr·v` (or `lr·(g + wd·p + momentum·v)` when
  /// Nesterov); with no momentum, `p -= lr·(g + wd·p)`.
  case sgd(learningRate: Scalar, momentum: Scalar, nesterov: Bool, weightDecay: Scalar)
  /// Adam with bias corrections `1 - β1^t`, `1 - β2^t` precomputed; `decoupled` selects AdamW
  /// (`p -= lr·wd·p`) instead of L2 in the gradient.
  case adam(
    learningRate: Scalar, beta1: Scalar, beta2: Scalar, epsilon: Scalar,
    correction1: Scalar, correction2: Scalar, weightDecay: Scalar, decoupled: Bool)
  /// RMSProp: `s = ρ·s + (1-ρ)·g²`, `p -= lr·g / (√s + ε)`.
  case rmsProp(learningRate: Scalar, rho: Scalar, epsilon: Scalar, weightDecay: Scalar)
  /// AdaGrad: `s += g²`, `p -= lr·g / (√s + ε)`.
  case adaGrad(learningRate: Scalar, epsilon: Scalar, weightDecay: Scalar)
}

/// An element-wise operation of one input, run by `TensorScalar._unaryKernel`.
public enum UnaryKernel<Scalar: TensorScalar>: Sendable {
  /// `-x`
  case negate
  /// `e^x`
  case exp
  /// Natural logarithm.
  case log
  /// Square root.
  case sqrt
  /// Hyperbolic tangent.
  case tanh
  /// `1 / (1 + e^-x)`
  case sigmoid
  /// `max(x, 0)`; NaN stays NaN.
  case relu
  /// `|x|`
  case abs
  /// `x * x`
  case square
  /// `x^p` for a constant exponent `p`.
  case power(Scalar)
  /// `x + c`
  case addScalar(Scalar)
  /// `x * c`
  case multiplyScalar(Scalar)
  /// `c - x`
  case subtractFromScalar(Scalar)
  /// `c / x`
  case divideScalarBy(Scalar)
  /// Fills with the constant `c`, ignoring the input.
  case fill(Scalar)
}

/// An element-wise operation of two inputs, run by `TensorScalar._binaryKernel`.
public enum BinaryKernel: Sendable {
  /// `a + b`
  case add
  /// `a - b`
  case subtract
  /// `a * b`
  case multiply
  /// `a / b`
  case divide
  /// `a^b`
  case power
  /// The larger of `a` and `b`; NaN if either is NaN.
  case maximum
  /// The smaller of `a` and `b`; NaN if either is NaN.
  case minimum
  /// 1 where `a == b`, else 0.
  case equal
  /// 1 where `a != b`, else 0.
  case notEqual
  /// 1 where `a < b`, else 0.
  case less
  /// 1 where `a <= b`, else 0.
  case lessOrEqual
  /// 1 where `a > b`, else 0.
  case greater
  /// 1 where `a >= b`, else 0.
  case greaterOrEqual
  /// `b·(1 - a²)`: tanh's backward from its output `a` and the gradient `b`, in one pass.
  case tanhBackward
  /// `b·a·(1 - a)`: sigmoid's backward from its output `a` and the gradient `b`.
  case sigmoidBackward
  /// `b` where `a > 0`, else 0: relu's backward from its input `a` and the gradient `b`.
  case reluBackward
}

/// A reduction along one axis, run by `TensorScalar._reduceKernel`.
public enum ReduceKernel: Sendable {
  /// Sum of the elements (0 for an empty axis).
  case sum
  /// Largest element (`-infinity` for an empty axis); NaN if any is NaN.
  case max
  /// Smallest element (`infinity` for an empty axis); NaN if any is NaN.
  case min
  /// Sum of squares (0 for an empty axis): a squared norm without a temporary tensor.
  case sumOfSquares
}
