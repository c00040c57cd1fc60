// The one place where operations are recorded. Every operation, of every arity, comes here
// after its forward pass, with its input variables, what its tape entry keeps, and its output
// values; the operation chooses the entry (see TapeEntries.swift).

extension DifferentiableOperation {
  /// Makes the output variables of a forward pass, and records `makeEntry`'s entry on the
  /// inputs' tape when a gradient must flow back to them.
  ///
  /// 1. The tape is the one the inputs are on; inputs on two different tapes stop.
  /// 2. When no input is on a live tape or none needs a gradient, nothing is recorded; an
  ///    output computed off any tape from trainable variables is marked, so that mixing it into
  ///    a recorded computation later stops instead of silently losing their gradients.
  /// 3. Otherwise such a marked input stops, the outputs are checked for NaN and infinity if
  ///    the tape detects anomalies, and the entry is built from the inputs, `kept` and the
  ///    outputs, straight into its slot on the tape.
  ///
  /// Everything is `consuming`, so references move into the outputs and the entry instead of
  /// being copied.
  @inlinable
  func record<Inputs: VariableArguments, Kept, Outputs: OutputVariables, Entry: TapeEntry>(
    _ inputs: consuming Inputs, keeping kept: consuming Kept,
    outputs values: consuming Outputs.Values,
    entry makeEntry: (consuming Inputs, consuming Kept, Outputs) -> Entry
  ) -> Outputs where Inputs.Scalar == Scalar, Outputs.Scalar == Scalar {
    var tape: Unmanaged<TapeRecord>? = nil
    var needsGradient = false
    var untracked = false
    inputs.forEach { input, _ in
      if let live = input.liveTape {
        if let found = tape, found.toOpaque() != live.toOpaque() {
          tensorFailure("\(name): the inputs were recorded on two different tapes")
        }
        tape = live
      }
      needsGradient = needsGradient || input.needsGradient
      untracked = untracked || input.untrackedTrainable
    }
    guard let tape, needsGradient else {
      let outputs = Outputs(
        values: values, producer: Self.self, tape: tape, needsGradient: false)
      if untracked || (tape == nil && needsGradient) {
        outputs.forEach { output, _ in output.untrackedTrainable = true }
      }
      return outputs
    }
    if untracked {
      inputs.forEach { input, index in
        if input.untrackedTrainable { untrackedInputFailure(index: index, input: input) }
      }
    }
    let outputs = Outputs(values: values, producer: Self.self, tape: tape, needsGradient: true)
    if tape._withUnsafeGuaranteedRef({ $0.detectsAnomalies }) {
      let record = tape.takeUnretainedValue()
      outputs.forEach { output, _ in
        record.check(output.value, producedBy: name, at: record.count, in: .forward)
      }
    }
    TapeRecord.slot(for: Entry.self, on: tape).initialize(
      to: makeEntry(inputs, kept, outputs))
    return outputs
  }

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

/// The variables an operation is applied to (one, a pair, a list, or named fields), visited in
/// order by the recording function.
@usableFromInline
protocol VariableArguments {
  associatedtype Scalar: TensorScalar
  /// Calls `body` with each variable and its position.
  func forEach(_ body: (Variable<Scalar>, Int) -> Void)
}

/// The output variables of an operation, made from its output values.
@usableFromInline
protocol OutputVariables: VariableArguments {
  /// The output values: one tensor or a list.
  associatedtype Values
  /// Wraps each value in a variable produced by `producer` on `tape`.
  init(
    values: consuming Values, producer: Any.Type, tape: Unmanaged<TapeRecord>?,
    needsGradient: Bool)
}

extension Variable: OutputVariables {
  @inlinable
  func forEach(_ body: (Variable<Scalar>, Int) -> Void) { body(self, 0) }

  @inlinable
  convenience init(
    values: consuming Tensor<Scalar>, producer: Any.Type, tape: Unmanaged<TapeRecord>?,
    needsGradient: Bool
  ) {
    self.init(value: values, producer: producer, tape: tape, needsGradient: needsGradient)
  }
}

/// Two variables: the inputs of a binary operation.
@usableFromInline
struct VariablePair<Scalar: TensorScalar>: VariableArguments {
  @usableFromInline let first: Variable<Scalar>
  @usableFromInline let second: Variable<Scalar>

  @inlinable
  init(_ first: consuming Variable<Scalar>, _ second: consuming Variable<Scalar>) {
    self.first = first
    self.second = second
  }

  @inlinable
  func forEach(_ body: (Variable<Scalar>, Int) -> Void) {
    body(first, 0)
    body(second, 1)
  }
}

/// Any number of variables: the inputs or outputs of the general record.
@usableFromInline
struct VariableList<Scalar: TensorScalar>: OutputVariables {
  @usableFromInline let variables: [Variable<Scalar>]

  @inlinable
  init(_ variables: [Variable<Scalar>]) { self.variables = variables }

  @inlinable
  init(
    values: consuming [Tensor<Scalar>], producer: Any.Type, tape: Unmanaged<TapeRecord>?,
    needsGradient: Bool
  ) {
    variables = values.map {
      Variable(value: $0, producer: producer, tape: tape, needsGradient: needsGradient)
    }
  }

  @inlinable
  func forEach(_ body: (Variable<Scalar>, Int) -> Void) {
    for (index, variable) in variables.enumerated() { body(variable, index) }
  }
}
