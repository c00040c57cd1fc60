/// An operation of one tensor giving one tensor, saving nothing beyond its input and output.
///
/// A new operation is one struct with a `forward` and a `backward`:
///
/// ```swift
/// struct Cube<Scalar: TensorScalar>: UnaryOperation {
///   func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
///   func backward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>)
///     -> Tensor<Scalar> { 3 * x * x * dy }
/// }
/// let y = Cube()(x)   // on a variable: computed and recorded; on a tensor: computed
/// ```
public protocol UnaryOperation: DifferentiableOperation
where Inputs == Tensor<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `x`.
  func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar>
  /// The gradient with respect to `x`, given `x`, `y = forward(x)` and the gradient `dy`
  /// with respect to `y`; it has `x`'s shape.
  ///
  /// `dy` is handed over: an element-wise operation can write its result into `dy`'s buffer
  /// (`var g = dy; g.formCombination(...)`), which the tape leaves unshared whenever nothing
  /// else can read the output's gradient, and which copy-on-write keeps correct otherwise.
  func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar>
  /// Whether `backward` reads `x`. When false, the tape keeps only the output and passes it as
  /// `x` as well, so a recorded operation holds one tensor instead of two. Default `true`;
  /// return `false` only when `backward` never reads `x` and `y` has `x`'s shape. The gradient
  /// checker records the operation as training does, so a wrong `false` fails the check.
  static var backwardReadsInput: Bool { get }
}

extension UnaryOperation {
  /// `true`: the tape keeps the input for the backward pass.
  @inlinable
  public static var backwardReadsInput: Bool { true }

  /// Calls `forward(_:)`.
  @inlinable
  public func forwardSaving(_ inputs: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void) {
    (forward(inputs), ())
  }

  /// Calls `backward(_:_:_:)`.
  @inlinable
  public func backward(
    inputs: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    backward(inputs, outputs, gradients)
  }

  /// Applies the operation to a variable, recording it on the variable's tape.
  ///
  /// `x` is `consuming`: a caller's last use of it (`x = f(x)`) hands its reference to the
  /// tape entry; a caller that goes on using `x` keeps it, as with any argument.
  @inlinable
  public func callAsFunction(_ x: consuming Variable<Scalar>) -> Variable<Scalar> {
    if Self.backwardReadsInput {
      let input = x.value
      let value = forward(input)
      return record(x, keeping: consume input, outputs: consume value) { x, input, output in
        UnaryTapeEntry(operation: self, input: x, inputValue: input, output: output)
      }
    }
    let value =
      Self.self is LendsInputToForward.Type ? x.withMovedValue { forward($0) } : forward(x.value)
    return record(x, keeping: (), outputs: consume value) { x, _, output in
      OutputOnlyTapeEntry(operation: self, input: x, output: output)
    }
  }

  /// Computes the operation on a tensor (nothing is recorded).
  @inlinable
  public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { forward(x) }

  /// `[self(inputs[0])]`: the record `callAsFunction(_:)` makes.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    tensorPrecondition(
      inputs.count == 1, "\(name): expected 1 input variable, got \(inputs.count)")
    return [self(inputs[0])]
  }
}

/// An operation whose forward pass reads only the tensor it is given, never a variable, and
/// whose backward reads only its output: its input's value can be lent to the forward pass,
/// moved out of its variable and back (see `Variable.withMovedValue`), instead of copied.
///
/// Library-internal: an operation defined elsewhere could reach the input variable from its
/// forward pass, so it gets a copy. Each library operation declares it in its own file.
@usableFromInline
protocol LendsInputToForward {}
