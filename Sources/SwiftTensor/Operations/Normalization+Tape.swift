// The record of the normalisations. Its backward pass adds the input's gradient straight into
// the input variable's gradient buffer: in a pre-norm transformer the normalised stream also
// feeds a residual addition, whose gradient is already there, so no separate addition runs.

extension LayerNormalization {
  /// Records the operation with the normalisations' entry, which writes the input's gradient
  /// into its variable's buffer (adding to a gradient already there).
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    [recordNormalization(self, inputs, layout: layout)]
  }
}

extension GroupNormalization {
  /// Records the operation with the normalisations' entry, which writes the input's gradient
  /// into its variable's buffer (adding to a gradient already there).
  @inlinable
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    [recordNormalization(self, inputs, layout: layout)]
  }
}

/// Runs `operation` on `[x]`, `[x, γ]` or `[x, γ, β]` and records it with a
/// `NormalizationTapeEntry`.
@inlinable
func recordNormalization<Operation: DifferentiableOperation>(
  _ operation: Operation, _ variables: [Variable<Operation.Scalar>],
  layout: (NormalizationInputs<Operation.Scalar>) -> NormalizationLayout
) -> Variable<Operation.Scalar>
where
  Operation.Inputs == NormalizationInputs<Operation.Scalar>,
  Operation.Outputs == Tensor<Operation.Scalar>,
  Operation.Saved == NormalizationStatistics<Operation.Scalar>
{
  tensorPrecondition(
    (1...3).contains(variables.count),
    "\(operation.name): expected inputs [x], [x, γ] or [x, γ, β], got \(variables.count) "
      + "variables")
  let values = NormalizationInputs(tensors: variables.map { $0.value })
  let (output, saved) = operation.forwardSaving(values)
  let kept = NormalizationTapeEntry<Operation>.Kept(
    inputs: values, saved: saved, layout: layout(values))
  return operation.record(VariableList(variables), keeping: kept, outputs: output) {
    inputs, kept, output in
    NormalizationTapeEntry(operation: operation, inputs: inputs, kept: kept, output: output)
  }
}

/// The record of a layer or group normalisation: the inputs' values, the statistics of the
/// forward pass and the checked layout.
@usableFromInline
struct NormalizationTapeEntry<Operation: DifferentiableOperation>: TapeEntry
where Operation.Inputs == NormalizationInputs<Operation.Scalar> {
  @usableFromInline typealias Scalar = Operation.Scalar

  /// The values the entry keeps.
  @usableFromInline
  struct Kept {
    @usableFromInline let inputs: NormalizationInputs<Scalar>
    @usableFromInline let saved: NormalizationStatistics<Scalar>
    @usableFromInline let layout: NormalizationLayout

    @inlinable
    init(
      inputs: NormalizationInputs<Scalar>, saved: NormalizationStatistics<Scalar>,
      layout: NormalizationLayout
    ) {
      self.inputs = inputs
      self.saved = saved
      self.layout = layout
    }
  }

  @usableFromInline let operation: Operation
  @usableFromInline let inputs: VariableList<Scalar>
  @usableFromInline let kept: Kept
  @usableFromInline var output: Variable<Scalar>

  @inlinable
  init(
    operation: Operation, inputs: consuming VariableList<Scalar>, kept: consuming Kept,
    output: Variable<Scalar>
  ) {
    self.operation = operation
    self.inputs = inputs
    self.kept = kept
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let dy = takeGradient(of: &output) else { return }
    let variables = inputs.variables
    let (x, values) = (variables[0], kept.inputs)
    // The parameters' gradients are small: made here, then accumulated as any gradient.
    func parameterGradient(_ index: Int) -> Tensor<Scalar>? {
      guard index < variables.count, variables[index].needsGradient else { return nil }
      return Tensor<Scalar>.zeros(shape: variables[index].value.shape)
    }
    let (weightGradient, biasGradient) = (parameterGradient(1), parameterGradient(2))
    func run(_ dx: UnsafeMutablePointer<Scalar>?, accumulate: Bool) {
      runNormalizationBackward(
        values, saved: kept.saved, gradient: dy, layout: kept.layout, inputGradient: dx,
        accumulate: accumulate, weightGradient: weightGradient, biasGradient: biasGradient)
    }
    if x.needsGradient {
      x.accumulateGradient(shape: values.input.shape, from: operation.name) { dx, accumulate in
        run(dx, accumulate: accumulate)
      }
    } else {
      run(nil, accumulate: false)
    }
    for (index, gradient) in [(1, weightGradient), (2, biasGradient)] {
      guard let gradient else { continue }
      variables[index].accumulateGradient(gradient, from: operation.name)
    }
  }
}
