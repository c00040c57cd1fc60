// Element-wise arithmetic. Binary operations broadcast by numpy's rules: shapes are aligned at
// their last axes, and a dimension of size 1 (or a missing one) repeats to match the other.

extension Tensor {
  /// Applies an element-wise kernel to every scalar.
  @inlinable
  func applying(_ operation: UnaryKernel<Scalar>) -> Tensor {
    Tensor(shape: shape) { base in
      Scalar._unaryKernel(operation, baseAddress, base, count: scalarCount)
    }
  }

  /// Combines two tensors element-wise with broadcasting; `name` appears in shape errors.
  @inlinable
  func combining(_ other: Tensor, _ operation: BinaryKernel, name: String) -> Tensor {
    let shape = Tensor.broadcastShape(self.shape, other.shape, operation: name)
    // Same shapes need no strides: the kernel's contiguous path allocates nothing.
    let sameShape = self.shape == other.shape
    let lhsStrides = sameShape ? [] : broadcastStrides(to: shape)
    let rhsStrides = sameShape ? [] : other.broadcastStrides(to: shape)
    return Tensor(shape: shape) { base in
      if shape.contains(0) { return }
      Scalar._binaryKernel(
        operation, baseAddress, lhsStrides: lhsStrides, other.baseAddress,
        rhsStrides: rhsStrides, base, shape: shape)
    }
  }

  /// Replaces this tensor by `lhs ∘ self` (element-wise `operation`): in place when `lhs` has
  /// the same shape and this tensor's buffer is not shared (a backward pass reusing the
  /// gradient's buffer), otherwise as `lhs.combining(self, operation, name:)`.
  @inlinable
  mutating func formCombination(with lhs: Tensor, _ operation: BinaryKernel, name: String) {
    guard lhs.shape == shape, isKnownUniquelyReferenced(&storage) else {
      self = lhs.combining(self, operation, name: name)
      return
    }
    if scalarCount == 0 { return }
    Scalar._binaryKernel(
      operation, lhs.baseAddress, lhsStrides: [], baseAddress, rhsStrides: [], baseAddress,
      shape: shape)
  }

  /// Replaces every scalar by `operation` of it, in place when the buffer is not shared.
  @inlinable
  mutating func formApplying(_ operation: UnaryKernel<Scalar>) {
    guard isKnownUniquelyReferenced(&storage) else {
      self = applying(operation)
      return
    }
    Scalar._unaryKernel(operation, baseAddress, baseAddress, count: scalarCount)
  }

  /// Element-wise sum, broadcasting.
  @inlinable
  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .add, name: "add")
  }
  /// Element-wise difference, broadcasting.
  @inlinable
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .subtract, name: "subtract")
  }
  /// Element-wise product, broadcasting.
  @inlinable
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .multiply, name: "multiply")
  }
  /// Element-wise quotient, broadcasting (IEEE: `x / 0` is ±infinity or NaN).
  @inlinable
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .divide, name: "divide")
  }

  /// Adds `rhs` to every scalar.
  @inlinable
  public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.addScalar(rhs)) }
  /// Adds `lhs` to every scalar.
  @inlinable
  public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.applying(.addScalar(lhs)) }
  /// Subtracts `rhs` from every scalar.
  @inlinable
  public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.addScalar(-rhs)) }
  /// `lhs - x` for every scalar `x`.
  @inlinable
  public static func - (lhs: Scalar, rhs: Tensor) -> Tensor {
    rhs.applying(.subtractFromScalar(lhs))
  }
  /// Multiplies every scalar by `rhs`.
  @inlinable
  public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.multiplyScalar(rhs)) }
  /// Multiplies every scalar by `lhs`.
  @inlinable
  public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.applying(.multiplyScalar(lhs)) }
  /// Divides every scalar by `rhs`.
  @inlinable
  public static func / (lhs: Tensor, rhs: Scalar) -> Tensor {
    // A true division, not a multiplication by 1/rhs, so results match x / rhs exactly.
    lhs.combining(Tensor(rhs), .divide, name: "divide")
  }
  /// `lhs / x` for every scalar `x`.
  @inlinable
  public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.applying(.divideScalarBy(lhs)) }

  /// Negates every scalar.
  @inlinable
  public static prefix func - (operand: Tensor) -> Tensor { operand.applying(.negate) }

  /// Adds `rhs` in place; the result must keep `lhs`'s shape.
  @inlinable
  public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs.keepingShape(lhs + rhs, "+=") }
  /// Subtracts `rhs` in place; the result must keep `lhs`'s shape.
  @inlinable
  public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs.keepingShape(lhs - rhs, "-=") }
  /// Multiplies by `rhs` in place; the result must keep `lhs`'s shape.
  @inlinable
  public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs.keepingShape(lhs * rhs, "*=") }
  /// Divides by `rhs` in place; the result must keep `lhs`'s shape.
  @inlinable
  public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs.keepingShape(lhs / rhs, "/=") }
  /// Adds `rhs` to every scalar in place.
  @inlinable
  public static func += (lhs: inout Tensor, rhs: Scalar) { lhs = lhs + rhs }
  /// Subtracts `rhs` from every scalar in place.
  @inlinable
  public static func -= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs - rhs }
  /// Multiplies every scalar by `rhs` in place.
  @inlinable
  public static func *= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs * rhs }
  /// Divides every scalar by `rhs` in place.
  @inlinable
  public static func /= (lhs: inout Tensor, rhs: Scalar) { lhs = lhs / rhs }

  /// Adds `other` (of the same shape) element-wise, writing into this tensor's buffer when it
  /// is uniquely referenced.
  @usableFromInline
  mutating func addInPlace(_ other: Tensor) {
    tensorPrecondition(
      shape == other.shape,
      "add: in-place update of shape \(describe(shape: shape)) by \(describe(shape: other.shape))")
    let shape = self.shape
    withUnsafeMutableBufferPointer { buffer in
      other.withUnsafeBufferPointer { source in
        guard let target = buffer.baseAddress, let from = source.baseAddress else { return }
        Scalar._binaryKernel(
          .add, UnsafePointer(target), lhsStrides: [], from, rhsStrides: [], target, shape: shape)
      }
    }
  }

  @inlinable
  func keepingShape(_ result: Tensor, _ operation: String) -> Tensor {
    tensorPrecondition(
      result.shape == shape,
      "\(operation): the result has shape \(describe(shape: result.shape)), but the left "
        + "operand has shape \(describe(shape: shape)); an in-place update cannot grow it")
    return result
  }

  /// `e^x` for every scalar (vectorised polynomial, within a few ulp).
  @inlinable
  public func exp() -> Tensor { applying(.exp) }
  /// Natural logarithm of every scalar: `-infinity` at 0, NaN below 0.
  @inlinable
  public func log() -> Tensor { applying(.log) }
  /// Square root of every scalar: NaN below 0.
  @inlinable
  public func sqrt() -> Tensor { applying(.sqrt) }
  /// Hyperbolic tangent of every scalar.
  @inlinable
  public func tanh() -> Tensor { applying(.tanh) }
  /// Logistic sigmoid `1 / (1 + e^-x)` of every scalar.
  @inlinable
  public func sigmoid() -> Tensor { applying(.sigmoid) }
  /// `max(x, 0)` for every scalar; NaN stays NaN.
  @inlinable
  public func relu() -> Tensor { applying(.relu) }
  /// Absolute value of every scalar.
  @inlinable
  public func abs() -> Tensor { applying(.abs) }
  /// `x * x` for every scalar.
  @inlinable
  public func squared() -> Tensor { applying(.square) }
  /// `x^exponent` for every scalar, with the platform `pow`'s special cases.
  @inlinable
  public func pow(_ exponent: Scalar) -> Tensor { applying(.power(exponent)) }
  /// `x^y` element-wise, broadcasting.
  @inlinable
  public func pow(_ exponent: Tensor) -> Tensor { combining(exponent, .power, name: "pow") }

  /// The element-wise larger of two tensors, broadcasting; NaN if either is NaN.
  @inlinable
  public static func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .maximum, name: "maximum")
  }
  /// The element-wise smaller of two tensors, broadcasting; NaN if either is NaN.
  @inlinable
  public static func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .minimum, name: "minimum")
  }
}

// Comparisons give masks: tensors of the broadcast shape holding 1 where the comparison holds
// and 0 elsewhere, so a mask multiplies directly into arithmetic (`x * (x .> 0)`).
extension Tensor {
  /// 1 where `lhs == rhs`, else 0; broadcasting.
  @inlinable
  public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .equal, name: ".==")
  }
  /// 1 where `lhs != rhs`, else 0; broadcasting.
  @inlinable
  public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .notEqual, name: ".!=")
  }
  /// 1 where `lhs < rhs`, else 0; broadcasting.
  @inlinable
  public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .less, name: ".<")
  }
  /// 1 where `lhs <= rhs`, else 0; broadcasting.
  @inlinable
  public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .lessOrEqual, name: ".<=")
  }
  /// 1 where `lhs > rhs`, else 0; broadcasting.
  @inlinable
  public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .greater, name: ".>")
  }
  /// 1 where `lhs >= rhs`, else 0; broadcasting.
  @inlinable
  public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor {
    lhs.combining(rhs, .greaterOrEqual, name: ".>=")
  }
  /// 1 where a scalar equals `rhs`, else 0.
  @inlinable
  public static func .== (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .== Tensor(rhs) }
  /// 1 where a scalar differs from `rhs`, else 0.
  @inlinable
  public static func .!= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .!= Tensor(rhs) }
  /// 1 where a scalar is below `rhs`, else 0.
  @inlinable
  public static func .< (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .< Tensor(rhs) }
  /// 1 where a scalar is at most `rhs`, else 0.
  @inlinable
  public static func .<= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .<= Tensor(rhs) }
  /// 1 where a scalar is above `rhs`, else 0.
  @inlinable
  public static func .> (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .> Tensor(rhs) }
  /// 1 where a scalar is at least `rhs`, else 0.
  @inlinable
  public static func .>= (lhs: Tensor, rhs: Scalar) -> Tensor { lhs .>= Tensor(rhs) }
}
