/// An element-wise activation computed inside `AffineTransform`, on its output: one recorded
/// operation and one pass over the output instead of two of each (what `Affine(_:_:activation:)`
/// and `Variable.affine(_:_:activation:)` use).
public enum FusedActivation: Sendable, Equatable {
  /// None: `x·W + b`.
  case identity
  /// The logistic sigmoid of `x·W + b`.
  case sigmoid
  /// `tanh(x·W + b)`.
  case tanh
  /// `max(x·W + b, 0)`; the derivative at 0 is 0, as for `Relu`.
  case relu
  /// `GELU(approximation:)` of `x·W + b` (`.tanh` is GPT-2's). Its derivative depends on the
  /// pre-activation, not on the output alone: recorded on a tape, `AffineTransform` computes
  /// the derivative with the value (one tanh per element for both) and keeps it for the
  /// backward pass (one tensor the size of the output); convolutions do not fuse it.
  case gelu(GELUApproximation)

  /// The kernel applying the activation in place, or `nil` for `identity`.
  @inlinable
  func forwardKernel<Scalar: TensorScalar>(_: Scalar.Type) -> UnaryKernel<Scalar>? {
    switch self {
    case .identity: nil
    case .sigmoid: .sigmoid
    case .tanh: .tanh
    case .relu: .relu
    case .gelu: nil
    }
  }

  /// The kernel of an activation whose derivative depends on the pre-activation (GELU), or
  /// `nil`.
  @inlinable
  func preActivationKernel<Scalar: TensorScalar>(_: Scalar.Type) -> ActivationKernel<Scalar>? {
    switch self {
    case .gelu(let approximation): approximation == .exact ? .gelu : .geluTanh
    case .identity, .sigmoid, .tanh, .relu: nil
    }
  }

  /// Whether the derivative depends on the pre-activation rather than the output alone.
  @inlinable
  var readsPreActivation: Bool {
    if case .gelu = self { return true }
    return false
  }

  /// The kernel turning the output `y` and its gradient into the gradient before the
  /// activation (each derivative reads only `y`: `relu(z) > 0` exactly when `z > 0`).
  @inlinable
  var backwardKernel: BinaryKernel? {
    switch self {
    case .identity: nil
    case .sigmoid: .sigmoidBackward
    case .tanh: .tanhBackward
    case .relu: .reluBackward
    case .gelu: nil
    }
  }
}

/// The inputs of `AffineTransform`, by name.
public struct AffineInputs<Scalar: TensorScalar>: TensorArguments {
  /// `x`, of shape `[batch, input]`.
  public var input: Tensor<Scalar>
  /// `W`, of shape `[input, output]`.
  public var weight: Tensor<Scalar>
  /// `b`, of shape `[output]`, or `nil` for none.
  public var bias: Tensor<Scalar>?

  /// Names the inputs.
  @inlinable
  public init(input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil) {
    self.input = input
    self.weight = weight
    self.bias = bias
  }

  /// `[input, weight]`, then `bias` if there is one.
  @inlinable
  public var tensors: [Tensor<Scalar>] { bias.map { [input, weight, $0] } ?? [input, weight] }

  /// Takes `[x, W]` or `[x, W, b]`.
  @inlinable
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(
      tensors.count == 2 || tensors.count == 3,
      "AffineTransform: expected inputs [x, W] or [x, W, b], got \(tensors.count) tensors")
    self.init(input: tensors[0], weight: tensors[1], bias: tensors.count == 3 ? tensors[2] : nil)
  }
}

/// The affine map `y = activation(x·W + b)` of pytensor's `Affine`, with `W` of shape
/// `[input, output]` and an optional bias `b` of shape `[output]`.
///
/// `x` has shape `[batch, input]`, or `[d1, ..., dn, input]` (the map applies to the last axis,
/// as PyTorch's `Linear`); the output `[batch, output]` or `[d1, ..., dn, output]`. Leading axes
/// are flattened into rows by a reshape, which shares storage and copies nothing. Derivative,
/// with `dz` the
/// gradient before the activation (`dy` times the activation's derivative, read from `y`):
/// `dx = dz·Wᵀ`, `dW = xᵀ·dz`, `db = Σ_batch dz`. Recorded on a tape, `dW` and `db` are
/// accumulated straight into the parameters' gradient buffers.
public struct AffineTransform<Scalar: TensorScalar>: DifferentiableOperation {
  /// The activation applied to `x·W + b` in the same operation.
  public var activation: FusedActivation

  /// Creates the operation.
  @inlinable
  public init(activation: FusedActivation = .identity) { self.activation = activation }

  /// `activation(x·W + b)`
  @inlinable
  public func forwardSaving(
    _ inputs: AffineInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: Void) {
    (Self.forward(inputs.input, inputs.weight, inputs.bias, activation: activation), ())
  }

  /// `(dz·Wᵀ, xᵀ·dz, Σ dz)`: the pass a tape runs, writing into variables made for the call.
  @inlinable
  public func backward(
    inputs: AffineInputs<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients: consuming Tensor<Scalar>
  ) -> AffineInputs<Scalar> {
    let variables = AffineVariables(
      Variable(inputs.input), Variable(inputs.weight), inputs.bias.map { Variable($0) })
    // The activation's derivative, recomputed: this path serves checks, the tape keeps it.
    var slope: Tensor<Scalar>? = nil
    if let kernel = activation.preActivationKernel(Scalar.self) {
      var z = Self.forward(inputs.input, inputs.weight, inputs.bias, activation: .identity)
      _ = z.activatedLeavingSlope(kernel)
      slope = z
    }
    backpropagate(
      gradients, output: outputs, slope: slope, input: inputs.input, weight: inputs.weight,
      to: variables)
    func gradient(_ variable: Variable<Scalar>) -> Tensor<Scalar> {
      variable.gradient ?? Tensor(repeating: 0, shape: variable.value.shape)
    }
    return AffineInputs(
      input: gradient(variables.x), weight: gradient(variables.w),
      bias: variables.b.map(gradient))
  }

  /// Applies the operation to variables, recording it on their tape.
  @inlinable
  public func callAsFunction(
    _ x: consuming Variable<Scalar>, _ weight: consuming Variable<Scalar>,
    _ bias: consuming Variable<Scalar>? = nil
  ) -> Variable<Scalar> {
    let (input, weightValue) = (x.value, weight.value)
    var value: Tensor<Scalar>
    var slope: Tensor<Scalar>? = nil
    if let kernel = activation.preActivationKernel(Scalar.self) {
      // The pre-activation's buffer becomes the derivative, kept for the backward pass; the
      // output is a second tensor.
      var z = Self.forward(input, weightValue, bias?.value, activation: .identity)
      value = z.activatedLeavingSlope(kernel)
      slope = z
    } else {
      value = Self.forward(input, weightValue, bias?.value, activation: activation)
    }
    return record(
      AffineVariables(x, weight, bias),
      keeping: (consume input, consume weightValue, consume slope),
      outputs: consume value
    ) { inputs, kept, output in
      AffineTapeEntry(operation: self, inputs: inputs, kept: kept, output: output)
    }
  }

  /// Computes the operation on tensors (nothing is recorded).
  @inlinable
  public func callAsFunction(
    _ x: Tensor<Scalar>, _ weight: Tensor<Scalar>, _ bias: Tensor<Scalar>? = nil
  ) -> Tensor<Scalar> {
    Self.forward(x, weight, bias, activation: activation)
  }

  /// `[self(x, W, b)]` for `[x, W]` or `[x, W, b]`: the record `callAsFunction` makes.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    tensorPrecondition(
      inputs.count == 2 || inputs.count == 3,
      "AffineTransform: expected inputs [x, W] or [x, W, b], got \(inputs.count) variables")
    return [self(inputs[0], inputs[1], inputs.count == 3 ? inputs[2] : nil)]
  }

  /// `x` as a matrix `[rows, input]`: itself at rank 2, else its leading axes flattened (the
  /// storage is shared, nothing is copied).
  @inlinable
  static func rows(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    x.rank == 2 ? x : x.reshaped(to: [x.shape.dropLast().reduce(1, *), x.shape[x.rank - 1]])
  }

  /// `activation(x·W + b)` on tensors: every row starts as the bias, the product accumulates
  /// onto it, and the activation runs over the result in place.
  @inlinable
  static func forward(
    _ x: Tensor<Scalar>, _ w: Tensor<Scalar>, _ bias: Tensor<Scalar>?,
    activation: FusedActivation
  ) -> Tensor<Scalar> {
    tensorPrecondition(
      x.rank >= 2 && w.rank == 2 && x.shape[x.rank - 1] == w.shape[0],
      "AffineTransform: x of shape \(describe(shape: x.shape)) does not fit W of shape "
        + "\(describe(shape: w.shape)); expected x [..., input] and W [input, output]")
    guard x.rank == 2 else {
      let y = forward(rows(x), w, bias, activation: activation)
      return y.reshaped(to: x.shape.dropLast() + [w.shape[1]])
    }
    var y: Tensor<Scalar>
    if let bias {
      tensorPrecondition(
        bias.rank == 1 && bias.shape[0] == w.shape[1],
        "AffineTransform: bias of shape \(describe(shape: bias.shape)) for W of shape "
          + "\(describe(shape: w.shape)); expected [\(w.shape[1])]")
      y = Tensor(shape: [x.shape[0], w.shape[1]]) { y in
        addAffineProduct(x, w, bias: bias, into: y)
      }
    } else {
      y = x.matmul(w)
    }
    if let kernel = activation.forwardKernel(Scalar.self) { y.formApplying(kernel) }
    if let kernel = activation.preActivationKernel(Scalar.self) {
      // `y` is fresh and unshared: the activation overwrites it.
      Scalar._activationKernel(kernel, y.baseAddress, y.baseAddress, count: y.scalarCount)
    }
    return y
  }
}

/// The variables `AffineTransform` is applied to.
@usableFromInline
struct AffineVariables<Scalar: TensorScalar>: VariableArguments {
  @usableFromInline let x: Variable<Scalar>
  @usableFromInline let w: Variable<Scalar>
  @usableFromInline let b: Variable<Scalar>?

  @inlinable
  init(
    _ x: consuming Variable<Scalar>, _ w: consuming Variable<Scalar>,
    _ b: consuming Variable<Scalar>?
  ) {
    self.x = x
    self.w = w
    self.b = b
  }

  @inlinable
  func forEach(_ body: (Variable<Scalar>, Int) -> Void) {
    body(x, 0)
    body(w, 1)
    if let b { body(b, 2) }
  }
}

extension Variable {
  /// `activation(self·weight + bias)`, with `weight` of shape `[input, output]` (pytensor's
  /// `Affine`); the activation (none by default) is computed in the same recorded operation.
  @inlinable
  public consuming func affine(
    _ weight: Variable, _ bias: Variable? = nil, activation: FusedActivation = .identity
  ) -> Variable {
    AffineTransform(activation: activation)(self, weight, bias)
  }
}
