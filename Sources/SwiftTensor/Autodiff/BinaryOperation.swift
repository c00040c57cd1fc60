/// An operation of two tensors giving one tensor, saving nothing beyond inputs and output.
public protocol BinaryOperation: DifferentiableOperation
where Inputs == TensorPair<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `a` and `b`.
  func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar>
  /// The gradients with respect to `a` and `b` (with their shapes), given the inputs, the
  /// output `y`, and the gradient `dy` with respect to `y`.
  func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>)
  /// Whether `backward` reads `y`. When false, the tape does not keep the output and passes
  /// `dy` in its place. Default `true`; return `false` only when `backward` never reads `y`.
  /// The gradient checker records the operation as training does, so a wrong `false` fails.
  static var backwardReadsOutput: Bool { get }
}

extension BinaryOperation {
  /// `true`: the tape keeps the output for the backward pass.
  @inlinable
  public static var backwardReadsOutput: Bool { true }

  /// Calls `forward(_:_:)`.
  @inlinable
  public func forwardSaving(_ inputs: TensorPair<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void)
  {
    (forward(inputs.first, inputs.second), ())
  }

  /// Calls `backward(_:_:_:_:)`.
  @inlinable
  public func backward(
    inputs: TensorPair<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients: consuming Tensor<Scalar>
  ) -> TensorPair<Scalar> {
    let (da, db) = backward(inputs.first, inputs.second, outputs, gradients)
    return TensorPair(da, db)
  }

  /// Applies the operation to two variables, recording it on their tape; `a` and `b` are
  /// `consuming`, as in `UnaryOperation.callAsFunction(_:)`.
  @inlinable
  public func callAsFunction(
    _ a: consuming Variable<Scalar>, _ b: consuming Variable<Scalar>
  ) -> Variable<Scalar> {
    let (left, right) = (a.value, b.value)
    let value = forward(left, right)
    let kept = BinaryTapeEntry<Self>.Kept(
      left: consume left, right: consume right, output: Self.backwardReadsOutput ? value : nil)
    return record(VariablePair(a, b), keeping: consume kept, outputs: consume value) {
      inputs, kept, output in
      BinaryTapeEntry(operation: self, inputs: inputs, kept: kept, output: output)
    }
  }

  /// Computes the operation on tensors (nothing is recorded).
  @inlinable
  public func callAsFunction(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    forward(a, b)
  }

  /// `[self(inputs[0], inputs[1])]`: the record `callAsFunction(_:_:)` makes.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    tensorPrecondition(
      inputs.count == 2, "\(name): expected 2 input variables, got \(inputs.count)")
    return [self(inputs[0], inputs[1])]
  }
}

/// An operation of any number of tensors giving one tensor (pytensor's `Add`, `Concatenate`).
public protocol NaryOperation: DifferentiableOperation
where Inputs == TensorList<Scalar>, Outputs == Tensor<Scalar>, Saved == Void {
  /// Computes `y` from `xs`.
  func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar>
  /// One gradient per input, with that input's shape.
  func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
}

extension NaryOperation {
  /// Calls `forward(_:)`.
  @inlinable
  public func forwardSaving(_ inputs: TensorList<Scalar>) -> (outputs: Tensor<Scalar>, saved: Void)
  {
    (forward(inputs.tensors), ())
  }

  /// Calls `backward(_:_:_:)`.
  @inlinable
  public func backward(
    inputs: TensorList<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients: consuming Tensor<Scalar>
  ) -> TensorList<Scalar> {
    TensorList(tensors: backward(inputs.tensors, outputs, gradients))
  }

  /// Applies the operation to variables, recording it on their tape: `apply(to: xs)[0]`.
  @inlinable
  public func callAsFunction(_ xs: [Variable<Scalar>]) -> Variable<Scalar> { apply(to: xs)[0] }

  /// Computes the operation on tensors (nothing is recorded).
  @inlinable
  public func callAsFunction(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> { forward(xs) }
}
