// Which parameters an optimiser's weight decay applies to: PyTorch expresses this with parameter
// groups; here it is one value on the optimiser, asked once per parameter and step.

/// The parameters an optimiser's weight decay applies to; the others are updated as if the
/// decay were 0.
///
/// GPT-style training decays weight matrices only, not biases, normalisation gains or
/// embedding tables:
///
/// ```swift
/// let optimizer: Adam<Float> = AdamW(learningRate: 6e-4, weightDecay: 0.1, decay: .matricesOnly)
/// ```
///
/// The selection is configuration, not state: checkpoints neither save nor need it.
public enum WeightDecaySelection<Scalar: TensorScalar>: Sendable {
  /// Every parameter (the default, and the behaviour before the selection existed).
  case all
  /// Parameters of rank 2 or more that are not lookup tables (`NamedParameter.isLookupTable`,
  /// set for `Embedding` and `PositionalEmbedding` tables): the weight matrices and
  /// convolution kernels, not biases, normalisation gains and shifts, or embeddings.
  case matricesOnly
  /// The parameters for which the predicate holds (it is called once per parameter and step,
  /// and must not depend on the gradient).
  case custom(@Sendable (NamedParameter<Scalar>) -> Bool)

  /// Whether the decay applies to `parameter`. O(1), or the predicate's cost.
  public func decays(_ parameter: NamedParameter<Scalar>) -> Bool {
    switch self {
    case .all: true
    case .matricesOnly: parameter.variable.value.rank >= 2 && !parameter.isLookupTable
    case .custom(let predicate): predicate(parameter)
    }
  }
}

extension OptimizerSlots {
  /// Runs `rule` on each parameter the selection decays and `undecayed` on the others; with
  /// `.all` (or no decay, `undecayed == nil`) every parameter gets `rule` and the selection is
  /// never consulted.
  mutating func update(
    _ parameters: [NamedParameter<Scalar>], rule: UpdateRule<Scalar>,
    undecayed: UpdateRule<Scalar>?, selection: WeightDecaySelection<Scalar>, slots: [String]
  ) {
    guard let undecayed, !selection.decaysEverything else {
      for parameter in parameters { update(parameter, rule: rule, slots: slots) }
      return
    }
    for parameter in parameters {
      update(parameter, rule: selection.decays(parameter) ? rule : undecayed, slots: slots)
    }
  }
}

extension WeightDecaySelection {
  /// Whether this is `.all`.
  var decaysEverything: Bool {
    if case .all = self { return true }
    return false
  }
}
