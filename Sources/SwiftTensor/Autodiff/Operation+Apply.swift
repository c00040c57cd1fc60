extension DifferentiableOperation {
  /// Applies the operation to variables, recording it on their tape when a gradient must flow.
  ///
  /// The tape is the first one found among `inputs`. Nothing is recorded when no input is on a
  /// live tape or none needs a gradient (inference costs only the forward computation). The
  /// input values are captured as they are now (tensors are values), so changing a parameter
  /// after the forward pass does not change the backward pass.
  ///
  /// - Returns: one variable per output tensor.
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    // A closure, not a key path: a key path in generic code is instantiated at run time.
    let inputValues = Inputs(tensors: inputs.map { $0.value })
    let (outputValues, saved) = forwardSaving(inputValues)
    var tape: Unmanaged<TapeRecord>? = nil
    var needsGradient = false
    var untracked = false
    for input in inputs {
      if let inputTape = input.liveTape {
        if tape == nil {
          tape = inputTape
        } else if tape?.toOpaque() != inputTape.toOpaque() {
          tensorFailure("\(name): the inputs were recorded on two different tapes")
        }
      }
      needsGradient = needsGradient || input.needsGradient
      untracked = untracked || input.untrackedTrainable
    }
    guard let tape, needsGradient else {
      return outputValues.tensors.map {
        let output = Variable(
          value: $0, producer: Self.self, tape: tape, needsGradient: false)
        // Computed off any tape from trainable variables: its gradient path is lost, which
        // must not pass silently if it is later mixed into a recorded computation.
        output.untrackedTrainable = untracked || (tape == nil && needsGradient)
        return output
      }
    }
    for (index, input) in inputs.enumerated() where input.untrackedTrainable {
      untrackedInputFailure(index: index, input: input)
    }
    let outputs = outputValues.tensors.map {
      Variable(value: $0, producer: Self.self, tape: tape, needsGradient: true)
    }
    tape.takeUnretainedValue().record { [self] in
      var anyGradient = false
      let gradients = outputs.map { output -> Tensor<Scalar> in
        if let gradient = output.gradient {
          anyGradient = true
          return gradient
        }
        return Tensor(repeating: 0, shape: output.value.shape)
      }
      guard anyGradient else { return }
      let inputGradients = backward(
        inputs: inputValues, outputs: outputValues, saved: saved,
        gradients: Outputs(tensors: gradients)
      ).tensors
      tensorPrecondition(
        inputGradients.count == inputs.count,
        "\(name).backward: returned \(inputGradients.count) gradients for "
          + "\(inputs.count) inputs")
      for (input, gradient) in zip(inputs, inputGradients) where input.needsGradient {
        input.accumulateGradient(gradient, from: name)
      }
    }
    return outputs
  }
}

extension DifferentiableOperation {
  /// Stops: `input` was computed off the tape from trainable variables, so a gradient would be
  /// silently lost.
  @usableFromInline
  func untrackedInputFailure(index: Int, input: Variable<Scalar>) -> Never {
    tensorFailure(
      "\(name): input \(index) ('\(input.name)') was computed from trainable variables that "
        + "are on no tape, so its gradient would be lost; call tape.watch(_:) on the "
        + "parameters before using them")
  }
}

extension DifferentiableOperation {
  /// Stops when `input` was computed off the tape from trainable variables (see
  /// `untrackedInputFailure`). Not itself `Never`-returning, so that a caller's consuming
  /// parameters have a single path to their end.
  @inlinable
  func requireTracked(_ input: Variable<Scalar>, index: Int) {
    if input.untrackedTrainable { untrackedInputFailure(index: index, input: input) }
  }
}

/// The library's operations whose backward reads only the output and whose forward reads
/// only the tensor it is given, never a variable: their input's value can be lent to the
/// forward pass moved out of its variable (see `Variable.withMovedValue`). An operation
/// defined outside the library could read the input variable from its forward pass, so it
/// gets a copy.
@usableFromInline
protocol LendsInputToForward {}
extension Exp: LendsInputToForward {}
extension SquareRoot: LendsInputToForward {}
extension Relu: LendsInputToForward {}
extension Sigmoid: LendsInputToForward {}
extension Tanh: LendsInputToForward {}
extension Softmax: LendsInputToForward {}
extension LogSoftmax: LendsInputToForward {}
extension Negate: LendsInputToForward {}
extension ScaleShift: LendsInputToForward {}
extension MaskMultiply: LendsInputToForward {}

extension UnaryOperation {
  /// Applies the operation to a variable, recording it on the variable's tape.
  ///
  /// `apply(to: x)`, the array-free path of one-input operations: most operations of a
  /// network are unary or binary, and this is their hot path. `x` is `consuming`: a caller's
  /// last use of it (`x = f(x)`) hands its reference to the tape entry, saving a retain and a
  /// release; a caller that goes on using `x` keeps it, as with any argument.
  @inlinable
  public func callAsFunction(_ x: consuming Variable<Scalar>) -> Variable<Scalar> {
    if Self.backwardReadsInput {
      return apply(to: x) { operation, input, inputValue, output, _ in
        guard let inputValue else { preconditionFailure("apply: the input was lent, not copied") }
        return UnaryTapeEntry(
          operation: operation, input: input, inputValue: inputValue, output: output)
      }
    }
    return apply(to: x, lendingInput: Self.self is LendsInputToForward.Type) {
      operation, input, _, output, _ in
      OutputOnlyTapeEntry(operation: operation, input: input, output: output)
    }
  }
  /// Computes the operation on a tensor (nothing is recorded).
  @inlinable
  public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { forward(x) }
}

extension BinaryOperation {
  /// Applies the operation to two variables, recording it on their tape.
  ///
  /// The same as `apply(to: [a, b])[0]`, without the arrays; `a` and `b` are `consuming`, as
  /// in `UnaryOperation.callAsFunction(_:)`.
  @inlinable
  public func callAsFunction(
    _ a: consuming Variable<Scalar>, _ b: consuming Variable<Scalar>
  ) -> Variable<Scalar> {
    let (left, right) = (a.value, b.value)
    let value = forward(left, right)
    // The inputs' tapes are compared without retaining them (two atomic operations each).
    let found = a.liveTape ?? b.liveTape
    if let found, !a.isOnTapeOrNone(found) || !b.isOnTapeOrNone(found) {
      tensorFailure("\(name): the inputs were recorded on two different tapes")
    }
    let needsGradient = a.needsGradient || b.needsGradient
    guard let tape = found, needsGradient else {
      let output = Variable(
        value: value, producer: Self.self, tape: found, needsGradient: false)
      output.untrackedTrainable =
        a.untrackedTrainable || b.untrackedTrainable || (found == nil && needsGradient)
      return output
    }
    requireTracked(a, index: 0)
    requireTracked(b, index: 1)
    let keptValue: Tensor<Scalar>? = Self.backwardReadsOutput ? value : nil
    let output = Variable(
      value: consume value, producer: Self.self, tape: tape, needsGradient: true)
    // Built straight into its slot (see `apply(to:recording:)`).
    TapeRecord.slot(for: BinaryTapeEntry<Self>.self, on: tape).initialize(
      to: BinaryTapeEntry(
        operation: self, inputs: (consume a, consume b),
        inputValues: (consume left, consume right), output: output, outputValue: keptValue))
    return output
  }
  /// Computes the operation on tensors (nothing is recorded).
  @inlinable
  public func callAsFunction(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    forward(a, b)
  }
}

extension NaryOperation {
  /// Applies the operation to variables, recording it on their tape.
  ///
  /// The same as `apply(to: xs)[0]`, with fewer temporary arrays.
  @inlinable
  public func callAsFunction(_ xs: [Variable<Scalar>]) -> Variable<Scalar> {
    let inputs = xs.map { $0.value }
    let value = forward(inputs)
    var tape: Unmanaged<TapeRecord>? = nil
    var needsGradient = false
    var untracked = false
    for x in xs {
      if let inputTape = x.liveTape {
        if tape == nil {
          tape = inputTape
        } else if tape?.toOpaque() != inputTape.toOpaque() {
          tensorFailure("\(name): the inputs were recorded on two different tapes")
        }
      }
      needsGradient = needsGradient || x.needsGradient
      untracked = untracked || x.untrackedTrainable
    }
    guard let tape, needsGradient else {
      let output = Variable(value: value, producer: Self.self, tape: tape, needsGradient: false)
      output.untrackedTrainable = untracked || (tape == nil && needsGradient)
      return output
    }
    for (index, input) in xs.enumerated() where input.untrackedTrainable {
      untrackedInputFailure(index: index, input: input)
    }
    let output = Variable(value: value, producer: Self.self, tape: tape, needsGradient: true)
    tape.takeUnretainedValue().record { [self] in
      guard let gradient = output.gradient else { return }
      let gradients = backward(inputs, value, gradient)
      tensorPrecondition(
        gradients.count == xs.count,
        "\(name).backward: returned \(gradients.count) gradients for \(xs.count) inputs")
      for (x, g) in zip(xs, gradients) where x.needsGradient {
        x.accumulateGradient(g, from: name)
      }
    }
    return output
  }

  /// Computes the operation on tensors (nothing is recorded).
  @inlinable
  public func callAsFunction(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> { forward(xs) }
}

extension DifferentiableOperation
where Inputs == Tensor<Scalar>, Outputs == Tensor<Scalar> {
  /// Applies a one-input, one-output operation to a variable, recording it on the variable's
  /// tape.
  ///
  /// The same as `apply(to: [x])[0]`, without the arrays (a loss such as `SoftmaxCrossEntropy`
  /// runs once per training step, and the arrays cost more than a small batch's arithmetic).
  @inlinable
  public func apply(to x: consuming Variable<Scalar>) -> Variable<Scalar> {
    apply(to: x) { operation, input, inputValue, output, saved in
      guard let inputValue else { preconditionFailure("apply: the input was lent, not copied") }
      return OneInputTapeEntry(
        operation: operation, input: input, inputValue: inputValue, output: output, saved: saved)
    }
  }

  /// `apply(to:)`, recording the entry `makeEntry` builds from the operation, the input, its
  /// value, the output and what the forward pass saved.
  ///
  /// With `lendingInput` (only for a `LendsInputToForward` operation, whose entry keeps no
  /// input value), the forward pass reads the input's value moved out of its variable, and
  /// `makeEntry` gets `nil` for it.
  @inlinable
  func apply<Entry: TapeEntry>(
    to x: consuming Variable<Scalar>, lendingInput: Bool = false,
    recording makeEntry: (
      Self, consuming Variable<Scalar>, consuming Tensor<Scalar>?, Variable<Scalar>, Saved
    ) -> Entry
  ) -> Variable<Scalar> {
    // The input's value is read once: lent to the forward pass when the operation allows it
    // (a copy costs two atomic operations and their releases), else copied for the forward
    // pass and then handed to the entry, which keeps it if its backward reads it.
    var input: Tensor<Scalar>? = nil
    let (value, saved): (Tensor<Scalar>, Saved)
    if lendingInput {
      (value, saved) = x.withMovedValue { forwardSaving($0) }
    } else {
      let copy = x.value
      (value, saved) = forwardSaving(copy)
      input = copy
    }
    let xTape = x.liveTape
    guard let tape = xTape, x.needsGradient else {
      let output = Variable(
        value: consume value, producer: Self.self, tape: xTape, needsGradient: false)
      output.untrackedTrainable = x.untrackedTrainable || (xTape == nil && x.needsGradient)
      return output
    }
    // `consume`: the value moves into the output (a copy costs two atomic operations).
    let output = Variable(
      value: consume value, producer: Self.self, tape: tape, needsGradient: true)
    // The slot first, the entry built straight into it: built first, it was copied across
    // `reserve` (three retains and releases per operation).
    TapeRecord.slot(for: Entry.self, on: tape).initialize(
      to: makeEntry(self, consume x, consume input, output, consume saved))
    return output
  }
}

/// The record of a one-input, one-output operation (see `apply(to:)`).
///
/// The input's value is captured when recorded (tensors are values), so changing it after the
/// forward pass does not change the backward pass; the output's is read from its variable,
/// whose value cannot change before `backward()` (see `Variable.value`).
@usableFromInline
struct OneInputTapeEntry<Operation: DifferentiableOperation>: TapeEntry
where Operation.Inputs == Tensor<Operation.Scalar>, Operation.Outputs == Tensor<Operation.Scalar> {
  @usableFromInline let operation: Operation
  @usableFromInline let input: Variable<Operation.Scalar>
  @usableFromInline let inputValue: Tensor<Operation.Scalar>
  @usableFromInline let output: Variable<Operation.Scalar>
  @usableFromInline let saved: Operation.Saved

  @inlinable
  init(
    operation: Operation, input: Variable<Operation.Scalar>,
    inputValue: Tensor<Operation.Scalar>, output: Variable<Operation.Scalar>,
    saved: Operation.Saved
  ) {
    self.operation = operation
    self.input = input
    self.inputValue = inputValue
    self.output = output
    self.saved = saved
  }

  @inlinable
  func backpropagate() {
    guard let gradient = output.gradient else { return }
    input.accumulateGradient(
      operation.backward(
        inputs: inputValue, outputs: output.value, saved: saved, gradients: gradient),
      from: operation.name)
  }
}

/// The record of a `UnaryOperation`: its backward pass reuses the output gradient's buffer
/// when nothing else can read that gradient.
///
/// "Nothing else" means no other strong reference to the output variable: a caller that keeps
/// an intermediate only through a `weak` reference finds its gradient moved out.
///
/// The input's value is captured; the output's is read from the output variable, whose value
/// cannot change before `backward()` (see `Variable.value`): a copy here would cost two retains
/// and two releases per operation.
@usableFromInline
struct UnaryTapeEntry<Operation: UnaryOperation>: TapeEntry {
  @usableFromInline let operation: Operation
  @usableFromInline let input: Variable<Operation.Scalar>
  @usableFromInline let inputValue: Tensor<Operation.Scalar>
  @usableFromInline var output: Variable<Operation.Scalar>

  @inlinable
  init(
    operation: Operation, input: Variable<Operation.Scalar>,
    inputValue: Tensor<Operation.Scalar>, output: Variable<Operation.Scalar>
  ) {
    self.operation = operation
    self.input = input
    self.inputValue = inputValue
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    // Entries run in reverse order, so every later use of the output has run and dropped it:
    // if this entry holds the only reference, its gradient is unobservable and can be moved.
    let isPrivate = isKnownUniquelyReferenced(&output)
    guard var gradient = isPrivate ? output.takeGradient() : output.gradient else { return }
    operation.backward(inputValue, output.value, replacing: &gradient)
    input.accumulateGradient(gradient, from: operation.name)
  }
}

/// The record of a two-input operation (see `BinaryOperation.callAsFunction(_:_:)`); the
/// output's value only when backward reads it (`backwardReadsOutput`), `dy` standing in for it
/// otherwise.
@usableFromInline
struct BinaryTapeEntry<Operation: BinaryOperation>: TapeEntry {
  @usableFromInline let operation: Operation
  @usableFromInline let inputs: (Variable<Operation.Scalar>, Variable<Operation.Scalar>)
  @usableFromInline let inputValues: (Tensor<Operation.Scalar>, Tensor<Operation.Scalar>)
  @usableFromInline var output: Variable<Operation.Scalar>
  @usableFromInline let outputValue: Tensor<Operation.Scalar>?

  @inlinable
  init(
    operation: Operation, inputs: (Variable<Operation.Scalar>, Variable<Operation.Scalar>),
    inputValues: (Tensor<Operation.Scalar>, Tensor<Operation.Scalar>),
    output: Variable<Operation.Scalar>, outputValue: Tensor<Operation.Scalar>?
  ) {
    self.operation = operation
    self.inputs = inputs
    self.inputValues = inputValues
    self.output = output
    self.outputValue = outputValue
  }

  @inlinable
  mutating func backpropagate() {
    // As in `UnaryTapeEntry`: the gradient of an output nothing else holds is moved out.
    let isPrivate = isKnownUniquelyReferenced(&output)
    guard let gradient = isPrivate ? output.takeGradient() : output.gradient else { return }
    let (da, db) = operation.backward(
      inputValues.0, inputValues.1, outputValue ?? gradient, gradient)
    if inputs.0.needsGradient { inputs.0.accumulateGradient(da, from: operation.name) }
    if inputs.1.needsGradient { inputs.1.accumulateGradient(db, from: operation.name) }
  }
}

/// The record of a `UnaryOperation` whose backward passes read only its output
/// (`backwardReadsInput` is false): as `UnaryTapeEntry`, keeping no tensor at all.
///
/// A type of its own rather than an optional input in `UnaryTapeEntry` (as `BinaryTapeEntry`
/// has an optional output): there the `??` cost a retain on every activation's backward pass
/// (1,670 against 1,641 instructions per taped operation).
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
    let isPrivate = isKnownUniquelyReferenced(&output)
    guard var gradient = isPrivate ? output.takeGradient() : output.gradient else { return }
    operation.backward(output.value, output.value, replacing: &gradient)
    input.accumulateGradient(gradient, from: operation.name)
  }
}
