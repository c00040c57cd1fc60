// What the tape records: one entry per operation, holding what its backward pass needs.
// `backward()` runs the entries once, in reverse recording order (see TapeRecord.swift), and
// destroys each as soon as it has run. The general entry comes first; the others are leaner
// forms of it for the operations every network runs most.
//
// An entry holding the only reference to an output variable (checked with
// `isKnownUniquelyReferenced`) knows that every later use of that output has already run and
// been destroyed, so nobody can read the output's gradient any more: it moves the gradient out
// and hands it to `backward`, which may then write into its buffer.

/// The gradient of the output an entry holds, for its backward pass: moved out, so that
/// `backward` may write into its buffer, when the entry holds the only reference to the output
/// (see above); read, and left in place, when something else may still read it.
@inlinable
func takeGradient<Scalar>(of output: inout Variable<Scalar>) -> Tensor<Scalar>? {
  isKnownUniquelyReferenced(&output) ? output.takeGradient() : output.gradient
}

/// One recorded operation: what it needs to push its outputs' gradients to its inputs.
@usableFromInline
protocol TapeEntry {
  /// Accumulates the gradients of the recorded operation's inputs from those of its outputs.
  ///
  /// Mutating, so that an entry can check whether it holds the only reference to an output.
  mutating func backpropagate()
}

/// The record of any operation (`DifferentiableOperation.apply(to:)`): the inputs' values and
/// what the forward pass saved; the outputs' values are read from their variables, which
/// cannot change before `backward()` (see `Variable.value`).
@usableFromInline
struct OperationTapeEntry<Operation: DifferentiableOperation>: TapeEntry {
  @usableFromInline let operation: Operation
  @usableFromInline let inputs: VariableList<Operation.Scalar>
  @usableFromInline let inputValues: Operation.Inputs
  @usableFromInline let saved: Operation.Saved
  @usableFromInline let outputs: VariableList<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, inputs: consuming VariableList<Operation.Scalar>,
    kept: consuming (Operation.Inputs, Operation.Saved),
    outputs: VariableList<Operation.Scalar>
  ) {
    self.operation = operation
    self.inputs = inputs
    (inputValues, saved) = kept
    self.outputs = outputs
  }

  @inlinable
  func backpropagate() {
    // Outputs nothing used have no gradient: zeros stand in, unless no output has one.
    var anyGradient = false
    let gradients = outputs.variables.map { output in
      if let gradient = output.gradient {
        anyGradient = true
        return gradient
      }
      return Tensor(repeating: 0, shape: output.value.shape)
    }
    guard anyGradient else { return }
    let inputGradients = operation.backward(
      inputs: inputValues, outputs: Operation.Outputs(tensors: outputs.variables.map(\.value)),
      saved: saved, gradients: Operation.Outputs(tensors: gradients),
      needed: inputs.variables.map(\.needsGradient)
    ).tensors
    tensorPrecondition(
      inputGradients.count == inputs.variables.count,
      "\(operation.name).backward: returned \(inputGradients.count) gradients for "
        + "\(inputs.variables.count) inputs")
    for (input, gradient) in zip(inputs.variables, inputGradients) where input.needsGradient {
      input.accumulateGradient(gradient, from: operation.name)
    }
  }
}

/// The record of a one-input, one-output operation such as a loss: the general entry without
/// its arrays.
@usableFromInline
struct OneInputTapeEntry<Operation: DifferentiableOperation>: TapeEntry
where Operation.Inputs == Tensor<Operation.Scalar>, Operation.Outputs == Tensor<Operation.Scalar> {
  /// The values the entry keeps.
  @usableFromInline
  struct Kept {
    @usableFromInline let input: Tensor<Operation.Scalar>
    @usableFromInline let saved: Operation.Saved

    @inlinable
    init(input: consuming Tensor<Operation.Scalar>, saved: consuming Operation.Saved) {
      self.input = input
      self.saved = saved
    }
  }

  @usableFromInline let operation: Operation
  @usableFromInline let input: Variable<Operation.Scalar>
  @usableFromInline let kept: Kept
  @usableFromInline var output: Variable<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, input: consuming Variable<Operation.Scalar>, kept: consuming Kept,
    output: Variable<Operation.Scalar>
  ) {
    self.operation = operation
    self.input = input
    self.kept = kept
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let gradient = takeGradient(of: &output) else { return }
    input.accumulateGradient(
      operation.backward(
        inputs: kept.input, outputs: output.value, saved: kept.saved, gradients: consume gradient),
      from: operation.name)
  }
}

/// The record of a `UnaryOperation` whose backward reads its input.
@usableFromInline
struct UnaryTapeEntry<Operation: UnaryOperation>: TapeEntry {
  @usableFromInline let operation: Operation
  @usableFromInline let input: Variable<Operation.Scalar>
  @usableFromInline let inputValue: Tensor<Operation.Scalar>
  @usableFromInline var output: Variable<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, input: consuming Variable<Operation.Scalar>,
    inputValue: consuming Tensor<Operation.Scalar>, output: Variable<Operation.Scalar>
  ) {
    self.operation = operation
    self.input = input
    self.inputValue = inputValue
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let gradient = takeGradient(of: &output) else { return }
    input.accumulateGradient(
      operation.backward(inputValue, output.value, consume gradient), from: operation.name)
  }
}

/// The record of a `UnaryOperation` whose backward reads only its output
/// (`backwardReadsInput` is false): it keeps no tensor, and passes the output as `x` too.
///
/// A type of its own rather than an optional input in `UnaryTapeEntry`: unwrapping the
/// optional cost a retain on every activation's backward pass.
@usableFromInline
struct OutputOnlyTapeEntry<Operation: UnaryOperation>: TapeEntry {
  @usableFromInline let operation: Operation
  @usableFromInline let input: Variable<Operation.Scalar>
  @usableFromInline var output: Variable<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, input: consuming Variable<Operation.Scalar>,
    output: Variable<Operation.Scalar>
  ) {
    self.operation = operation
    self.input = input
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let gradient = takeGradient(of: &output) else { return }
    input.accumulateGradient(
      operation.backward(output.value, output.value, consume gradient),
      from: operation.name)
  }
}

/// The record of a `BinaryOperation`: the inputs' values, and the output's only when backward
/// reads it (`backwardReadsOutput`), `dy` standing in for it otherwise.
@usableFromInline
struct BinaryTapeEntry<Operation: BinaryOperation>: TapeEntry {
  /// The values the entry keeps.
  @usableFromInline
  struct Kept {
    @usableFromInline let left: Tensor<Operation.Scalar>
    @usableFromInline let right: Tensor<Operation.Scalar>
    @usableFromInline let output: Tensor<Operation.Scalar>?

    @inlinable
    init(
      left: consuming Tensor<Operation.Scalar>, right: consuming Tensor<Operation.Scalar>,
      output: consuming Tensor<Operation.Scalar>?
    ) {
      self.left = left
      self.right = right
      self.output = output
    }
  }

  @usableFromInline let operation: Operation
  @usableFromInline let inputs: VariablePair<Operation.Scalar>
  @usableFromInline let kept: Kept
  @usableFromInline var output: Variable<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, inputs: consuming VariablePair<Operation.Scalar>,
    kept: consuming Kept, output: Variable<Operation.Scalar>
  ) {
    self.operation = operation
    self.inputs = inputs
    self.kept = kept
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let gradient = takeGradient(of: &output) else { return }
    let (da, db) = operation.backward(kept.left, kept.right, kept.output ?? gradient, gradient)
    if inputs.first.needsGradient { inputs.first.accumulateGradient(da, from: operation.name) }
    if inputs.second.needsGradient { inputs.second.accumulateGradient(db, from: operation.name) }
  }
}

/// An entry that is a closure: the fallback for an entry too large for an arena block.
@usableFromInline
struct ClosureTapeEntry: TapeEntry {
  @usableFromInline let body: () -> Void
  @inlinable init(_ body: @escaping () -> Void) { self.body = body }
  @inlinable func backpropagate() { body() }
}
