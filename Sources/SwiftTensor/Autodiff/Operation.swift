/// A differentiable operation: a forward computation on tensors and its vector-Jacobian product.
///
/// The associated types state the operation's shape of data: `Inputs` and `Outputs` say its
/// arity (one `Tensor`, a `TensorPair`, a `TensorList`, or a struct of the operation's own
/// naming each tensor), and `Saved` is what `forward` keeps for `backward` beyond the inputs
/// and outputs (for example probabilities a fused loss computed on the way). Most operations
/// conform through a friendlier refinement: `UnaryOperation`, `BinaryOperation` or
/// `NaryOperation`, where a user writes one `forward` and one `backward` on tensors.
///
/// Applied to plain tensors an operation just computes; applied to variables on a tape it also
/// records itself, and the tape's `backward()` calls `backward(inputs:outputs:saved:gradients:)`.
/// The gradient checker of `SwiftTensorTesting` records the operation the same way, so it tests
/// exactly what training runs.
public protocol DifferentiableOperation {
  /// The element type of every tensor the operation reads and writes.
  associatedtype Scalar: TensorScalar
  /// The inputs: one tensor, a pair, any number, or a struct naming them.
  associatedtype Inputs: TensorArguments where Inputs.Scalar == Scalar
  /// The outputs: one tensor, or several (a recurrent cell gives two).
  associatedtype Outputs: TensorArguments where Outputs.Scalar == Scalar
  /// What the forward pass keeps for the backward pass, beyond inputs and outputs.
  associatedtype Saved = Void

  /// A short name for messages and tape listings, the type name without generic arguments by default.
  var name: String { get }

  /// Computes the outputs, and what backward will need.
  func forwardSaving(_ inputs: Inputs) -> (outputs: Outputs, saved: Saved)

  /// Maps the gradients of the loss with respect to the outputs to its gradients with respect
  /// to the inputs (the vector-Jacobian product); each gradient has its tensor's shape.
  ///
  /// `gradients` is handed over (`consuming`): an element-wise backward may write its result
  /// into their buffers, which copy-on-write makes safe whether or not anything else holds them.
  func backward(
    inputs: Inputs, outputs: Outputs, saved: Saved, gradients: consuming Outputs
  ) -> Inputs

  /// `backward(inputs:outputs:saved:gradients:)` when only the inputs flagged in `needed` (one
  /// flag per input tensor) need gradients, as on a tape where some inputs are constants (a
  /// network's data): an operation may skip the others' work and return zeros of their shapes
  /// for them. The default computes every gradient.
  func backward(
    inputs: Inputs, outputs: Outputs, saved: Saved, gradients: consuming Outputs, needed: [Bool]
  ) -> Inputs

  /// Applies the operation to variables, recording it on their tape when a gradient must flow.
  ///
  /// The tape is the one the inputs are on (inputs on two different tapes stop with a
  /// message). Nothing is recorded when no input is on a live tape or none needs a gradient
  /// (inference costs only the forward computation). The input values are captured as they are
  /// now (tensors are values), so changing a parameter after the forward pass does not change
  /// the backward pass. The refinements implement this with their own, leaner records; the
  /// gradient checker calls it, so it checks the record that training makes.
  ///
  /// - Returns: one variable per output tensor.
  func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>]
}

extension DifferentiableOperation {
  /// The type's name, without generic arguments.
  public var name: String { operationName(Self.self) }

  /// Every gradient, whatever `needed` says.
  @inlinable
  public func backward(
    inputs: Inputs, outputs: Outputs, saved: Saved, gradients: consuming Outputs, needed: [Bool]
  ) -> Inputs {
    backward(inputs: inputs, outputs: outputs, saved: saved, gradients: gradients)
  }

  /// Records the operation with the general entry, which keeps the inputs' values, what the
  /// forward pass saved, and reads the outputs' values from their variables.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    let values = Inputs(tensors: inputs.map { $0.value })
    let (outputs, saved) = forwardSaving(values)
    return record(
      VariableList(inputs), keeping: (values, saved), outputs: outputs.tensors
    ) { inputs, kept, outputs in
      OperationTapeEntry(operation: self, inputs: inputs, kept: kept, outputs: outputs)
    }.variables
  }
}

extension DifferentiableOperation
where Inputs == Tensor<Scalar>, Outputs == Tensor<Scalar> {
  /// Applies a one-input, one-output operation (a loss, say) to a variable, recording it on the
  /// variable's tape; the same as `apply(to: [x])[0]`.
  @inlinable
  public func apply(to x: consuming Variable<Scalar>) -> Variable<Scalar> {
    let input = x.value
    let (value, saved) = forwardSaving(input)
    let kept = OneInputTapeEntry<Self>.Kept(input: consume input, saved: consume saved)
    return record(x, keeping: consume kept, outputs: consume value) { x, kept, output in
      OneInputTapeEntry(operation: self, input: x, kept: kept, output: output)
    }
  }

  /// `[apply(to: inputs[0])]`: the one-input record.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    tensorPrecondition(
      inputs.count == 1, "\(name): expected 1 input variable, got \(inputs.count)")
    return [apply(to: inputs[0])]
  }
}

/// A type's name without generic arguments: `Add<Float>` gives `Add`.
func operationName(_ type: Any.Type) -> String {
  String(String(describing: type).prefix { $0 != "<" })
}
