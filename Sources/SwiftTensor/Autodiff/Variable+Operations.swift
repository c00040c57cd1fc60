// The natural spellings of the operations on variables: each records one operation.
// The same names exist on `Tensor`, where they just compute. The variables are `consuming`
// (see `UnaryOperation.callAsFunction(_:)`): `h = h.tanh()` moves `h` into the tape entry.

extension Variable {
  /// Element-wise sum, broadcasting.
  @inlinable
  public static func + (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Addition()(lhs, rhs)
  }
  /// Element-wise difference, broadcasting.
  @inlinable
  public static func - (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Subtract()(lhs, rhs)
  }
  /// Element-wise product, broadcasting.
  @inlinable
  public static func * (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Multiply()(lhs, rhs)
  }
  /// Element-wise quotient, broadcasting.
  @inlinable
  public static func / (lhs: consuming Variable, rhs: consuming Variable) -> Variable {
    Divide()(lhs, rhs)
  }
  /// Negation.
  @inlinable
  public static prefix func - (operand: consuming Variable) -> Variable { Negate()(operand) }
  /// Adds a constant.
  @inlinable
  public static func + (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(offset: rhs)(lhs)
  }
  /// Adds a constant.
  @inlinable
  public static func + (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(offset: lhs)(rhs)
  }
  /// Subtracts a constant.
  @inlinable
  public static func - (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(offset: -rhs)(lhs)
  }
  /// A constant minus the variable.
  @inlinable
  public static func - (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(scale: -1, offset: lhs)(rhs)
  }
  /// Multiplies by a constant.
  @inlinable
  public static func * (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(scale: rhs)(lhs)
  }
  /// Multiplies by a constant.
  @inlinable
  public static func * (lhs: Scalar, rhs: consuming Variable) -> Variable {
    ScaleShift(scale: lhs)(rhs)
  }
  /// Divides by a constant.
  @inlinable
  public static func / (lhs: consuming Variable, rhs: Scalar) -> Variable {
    ScaleShift(scale: 1 / rhs)(lhs)
  }

  /// The sum of any number of variables, broadcasting (pytensor's `Add`).
  @inlinable
  public static func sum(_ variables: [Variable]) -> Variable { Add()(variables) }

  /// Matrix product (2-D or batched 3-D); see `Tensor.matmul`.
  @inlinable
  public consuming func matmul(
    _ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false
  ) -> Variable {
    MatMul(transposingLeft: transposingSelf, transposingRight: transposingOther)(self, other)
  }

  /// `activation(self·weight + bias)`, with `weight` of shape `[input, output]` (pytensor's
  /// `Affine`); the activation (none by default) is computed in the same recorded operation.
  @inlinable
  public consuming func affine(
    _ weight: Variable, _ bias: Variable? = nil, activation: FusedActivation = .identity
  ) -> Variable {
    AffineTransform.apply(self, weight, bias, activation: activation)
  }

  /// `e^x` element-wise.
  @inlinable
  public consuming func exp() -> Variable { Exp()(self) }
  /// Natural logarithm element-wise.
  @inlinable
  public consuming func log() -> Variable { Log()(self) }
  /// Square root element-wise.
  @inlinable
  public consuming func sqrt() -> Variable { SquareRoot()(self) }
  /// `x^exponent` element-wise.
  @inlinable
  public consuming func pow(_ exponent: Scalar) -> Variable { Power(exponent)(self) }
  /// `x²` element-wise.
  @inlinable
  public consuming func squared() -> Variable { Power(2)(self) }
  /// `max(x, 0)` element-wise.
  @inlinable
  public consuming func relu() -> Variable { Relu()(self) }
  /// Logistic sigmoid element-wise.
  @inlinable
  public consuming func sigmoid() -> Variable { Sigmoid()(self) }
  /// Hyperbolic tangent element-wise.
  @inlinable
  public consuming func tanh() -> Variable { Tanh()(self) }
  /// Softmax along `axis` (default: the last).
  @inlinable
  public consuming func softmax(axis: Int = -1) -> Variable { Softmax(axis: axis)(self) }
  /// Log-softmax along `axis` (default: the last).
  @inlinable
  public consuming func logSoftmax(axis: Int = -1) -> Variable { LogSoftmax(axis: axis)(self) }

  /// Sum of all scalars, a rank-0 variable.
  @inlinable
  public consuming func sum() -> Variable { Sum()(self) }
  /// Sum along `axes`.
  @inlinable
  public consuming func sum(axes: [Int], keepingDimensions: Bool = false) -> Variable {
    Sum(axes: axes, keepingDimensions: keepingDimensions)(self)
  }
  /// Sum along `axis`.
  @inlinable
  public consuming func sum(axis: Int, keepingDimensions: Bool = false) -> Variable {
    sum(axes: [axis], keepingDimensions: keepingDimensions)
  }
  /// Mean of all scalars, a rank-0 variable.
  @inlinable
  public consuming func mean() -> Variable { Mean()(self) }
  /// Mean along `axes`.
  @inlinable
  public consuming func mean(axes: [Int], keepingDimensions: Bool = false) -> Variable {
    Mean(axes: axes, keepingDimensions: keepingDimensions)(self)
  }
  /// Mean along `axis`.
  @inlinable
  public consuming func mean(axis: Int, keepingDimensions: Bool = false) -> Variable {
    mean(axes: [axis], keepingDimensions: keepingDimensions)
  }

  /// The same scalars in a new shape (one dimension may be `-1`).
  @inlinable
  public consuming func reshaped(to shape: [Int]) -> Variable { Reshape(to: shape)(self) }
  /// The axes reordered; see `Tensor.transposed(permutation:)`.
  @inlinable
  public consuming func transposed(permutation: [Int]) -> Variable {
    Transpose(permutation: permutation)(self)
  }
  /// The axes reversed (a matrix's transpose).
  @inlinable
  public consuming func transposed() -> Variable { Transpose()(self) }
  /// Variables joined along an existing axis.
  @inlinable
  public static func concatenate(_ variables: [Variable], axis: Int = 0) -> Variable {
    Concatenate(axis: axis)(variables)
  }
  /// Variables of one shape joined along a new axis.
  @inlinable
  public static func stack(_ variables: [Variable], axis: Int = 0) -> Variable {
    Stack(axis: axis)(variables)
  }
  /// Pieces of the given sizes along `axis`.
  @inlinable
  public consuming func split(sizes: [Int], axis: Int = 0) -> [Variable] {
    Split(sizes: sizes, axis: axis).apply(to: [self])
  }
  /// A sub-tensor read by indices and ranges; see `Tensor`'s subscript.
  @inlinable
  public subscript(_ indices: any TensorIndexExpression...) -> Variable { Index(indices)(self) }

  /// Softmax cross-entropy of these logits (`[batch, classes]`) against class labels.
  @inlinable
  public consuming func softmaxCrossEntropy(
    labels: [Int], reduction: LossReduction = .mean
  ) -> Variable {
    SoftmaxCrossEntropy(labels: labels, reduction: reduction).apply(to: self)
  }
  /// Squared error against `target` (mean by default; `.sum` is pytensor's half sum).
  @inlinable
  public consuming func squareLoss(target: Variable, reduction: LossReduction = .mean) -> Variable {
    SquareLoss(reduction: reduction)(self, target)
  }
}
