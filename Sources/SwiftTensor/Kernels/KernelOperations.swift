// The operation enums the kernel dispatchers take (see `TensorScalar+Kernels.swift`): each
// kernel switches on its operation once, outside its loop. Usable from inlinable code, so the
// tensor API specialised in a user's module can name them, yet not public API.

/// An element-wise operation of one input, run by `TensorScalar._unaryKernel`.
@usableFromInline
enum UnaryKernel<Scalar: TensorScalar>: Sendable {
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
@usableFromInline
enum BinaryKernel: Sendable {
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
@usableFromInline
enum ReduceKernel: Sendable {
  /// Sum of the elements (0 for an empty axis).
  case sum
  /// Largest element (`-infinity` for an empty axis); NaN if any is NaN.
  case max
  /// Smallest element (`infinity` for an empty axis); NaN if any is NaN.
  case min
  /// Sum of squares (0 for an empty axis): a squared norm without a temporary tensor.
  case sumOfSquares
}
