import Foundation

/// Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight decay.
///
/// With momentum `μ`: `v ← μ·v + g + λ·p`, then `p ← p - lr·v` (Nesterov: `p ← p - lr·(g + λ·p
/// + μ·v)`), as PyTorch's `SGD`.
public final class SGD<Scalar: TensorScalar>: Optimizer {
  /// The step size.
  public var learningRate: Scalar
  /// The momentum factor `μ` (0 for plain SGD).
  public var momentum: Scalar
  /// Whether to use Nesterov momentum.
  public var nesterov: Bool
  /// The L2 penalty `λ` added to the gradient.
  public var weightDecay: Scalar
  /// The parameters `weightDecay` applies to (default: all).
  @exclusivity(unchecked) public var weightDecaySelection: WeightDecaySelection<Scalar> = .all
  // Unchecked: each step makes one access per parameter, never overlapping.
  @exclusivity(unchecked) private var slots = OptimizerSlots<Scalar>()

  /// Creates the optimiser.
  public init(
    learningRate: Scalar, momentum: Scalar = 0, nesterov: Bool = false, weightDecay: Scalar = 0
  ) {
    tensorPrecondition(
      !nesterov || momentum > 0, "SGD: Nesterov momentum needs a momentum above 0")
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
  }

  private var slotNames: [String] { momentum == 0 ? [] : ["momentum"] }

  /// One SGD step.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [NamedParameter<Scalar>]) {
    func rule(_ decay: Scalar) -> UpdateRule<Scalar> {
      .sgd(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: decay)
    }
    slots.update(
      parameters, rule: rule(weightDecay), undecayed: weightDecay == 0 ? nil : rule(0),
      selection: weightDecaySelection, slots: slotNames)
  }

  /// The momentum buffers.
  public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
    slots.named(slots: slotNames)
  }

  /// Restores the momentum buffers.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    try slots.load(tensors, for: parameters, slots: slotNames)
  }
}

/// Adam, and AdamW when `decoupledWeightDecay` is true.
///
/// `m ← β1·m + (1-β1)·g`, `s ← β2·s + (1-β2)·g²`,
/// `p ← p - lr·(m / (1-β1^t)) / (√(s / (1-β2^t)) + ε)`. Weight decay is L2 in the gradient for
/// Adam, and `p ← p - lr·λ·p` for AdamW.
///
/// References: D. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
/// I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
public final class Adam<Scalar: TensorScalar>: Optimizer {
  /// The step size.
  public var learningRate: Scalar
  /// Decay of the first moment.
  public var beta1: Scalar
  /// Decay of the second moment.
  public var beta2: Scalar
  /// Added to the denominator for stability.
  public var epsilon: Scalar
  /// The weight decay `λ`.
  public var weightDecay: Scalar
  /// Whether weight decay is decoupled (AdamW) rather than L2 in the gradient.
  public var decoupledWeightDecay: Bool
  /// The parameters `weightDecay` applies to (default: all; GPT-style: `.matricesOnly`).
  @exclusivity(unchecked) public var weightDecaySelection: WeightDecaySelection<Scalar>
  /// The number of steps taken (for bias correction).
  public private(set) var stepCount = 0
  // Unchecked: each step makes one access per parameter, never overlapping.
  @exclusivity(unchecked) private var slots = OptimizerSlots<Scalar>()
  private let slotNames = ["m", "v"]

  /// Creates the optimiser (PyTorch's defaults); `decay` chooses the parameters the weight
  /// decay applies to.
  public init(
    learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
    epsilon: Scalar = 1e-8, weightDecay: Scalar = 0, decoupledWeightDecay: Bool = false,
    decay selection: WeightDecaySelection<Scalar> = .all
  ) {
    self.weightDecaySelection = selection
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.decoupledWeightDecay = decoupledWeightDecay
  }

  /// One Adam step.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [NamedParameter<Scalar>]) {
    stepCount += 1
    let t = Double(stepCount)
    let (correction1, correction2) = (
      Scalar(1 - Foundation.pow(Double(beta1), t)), Scalar(1 - Foundation.pow(Double(beta2), t))
    )
    func rule(_ decay: Scalar) -> UpdateRule<Scalar> {
      .adam(
        learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
        correction1: correction1, correction2: correction2, weightDecay: decay,
        decoupled: decoupledWeightDecay)
    }
    slots.update(
      parameters, rule: rule(weightDecay), undecayed: weightDecay == 0 ? nil : rule(0),
      selection: weightDecaySelection, slots: slotNames)
  }

  /// The moments, and `step`.
  public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
    slots.named(slots: slotNames)
      + [("step", Tensor(Scalar(stepCount)))]
  }

  /// The step count, exactly.
  public func stateCounters() -> [(name: String, value: Int)] { [("step", stepCount)] }

  /// Restores the moments and the step count (the `step` tensor).
  ///
  /// - Throws: `OptimizerStateError` for missing or misshapen moments, non-finite moments, a
  ///   negative second moment, or a step that is not an integer in `0...2^53`.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    guard let step = tensors["step"], step.scalarCount == 1 else {
      throw OptimizerStateError(description: "optimizer state: missing 'step'")
    }
    // Checked in Double before any conversion: `Int(_:)` traps on NaN, infinity and 2^63.
    let value = Double(step.scalars[0])
    guard value >= 0, value <= Double(SafeTensors.maximumCounter), value.rounded() == value
    else {
      throw OptimizerStateError(
        description: "optimizer state: 'step' holds \(value), expected an integer from 0 to "
          + "\(SafeTensors.maximumCounter)")
    }
    try loadState(tensors, counters: ["step": Int(value)], for: parameters)
  }

  /// Restores the moments and the step count (the `step` counter).
  ///
  /// - Throws: `OptimizerStateError` as `loadState(_:for:)`, or for a missing or out-of-range
  ///   `step` counter or another counter.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], counters: [String: Int],
    for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    guard let step = counters["step"], (0...SafeTensors.maximumCounter).contains(step) else {
      throw OptimizerStateError(
        description:
          "optimizer state: counter 'step' is \(counters["step"].map(String.init) ?? "missing"), "
          + "expected an integer from 0 to \(SafeTensors.maximumCounter)")
    }
    if let other = counters.keys.sorted().first(where: { $0 != "step" }) {
      throw OptimizerStateError(description: "optimizer state: unexpected counter '\(other)'")
    }
    try slots.load(tensors, for: parameters, slots: slotNames)
    stepCount = step
  }
}

/// AdamW: Adam with decoupled weight decay (default `λ` 0.01, as PyTorch), applied to the
/// parameters `decay` selects (`.matricesOnly` for GPT-style training).
public func AdamW<Scalar: TensorScalar>(
  learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999,
  epsilon: Scalar = 1e-8, weightDecay: Scalar = 0.01, decay: WeightDecaySelection<Scalar> = .all
) -> Adam<Scalar> {
  Adam(
    learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
    weightDecay: weightDecay, decoupledWeightDecay: true, decay: decay)
}

/// RMSProp: `s ← ρ·s + (1-ρ)·g²`, `p ← p - lr·g / (√s + ε)`.
public final class RMSProp<Scalar: TensorScalar>: Optimizer {
  /// The step size.
  public var learningRate: Scalar
  /// Decay of the squared-gradient average.
  public var rho: Scalar
  /// Added to the denominator for stability.
  public var epsilon: Scalar
  /// The L2 penalty added to the gradient.
  public var weightDecay: Scalar
  /// The parameters `weightDecay` applies to (default: all).
  @exclusivity(unchecked) public var weightDecaySelection: WeightDecaySelection<Scalar> = .all
  // Unchecked: each step makes one access per parameter, never overlapping.
  @exclusivity(unchecked) private var slots = OptimizerSlots<Scalar>()

  /// Creates the optimiser (PyTorch's defaults).
  public init(
    learningRate: Scalar = 1e-2, rho: Scalar = 0.99, epsilon: Scalar = 1e-8,
    weightDecay: Scalar = 0
  ) {
    self.learningRate = learningRate
    self.rho = rho
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// One RMSProp step.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [NamedParameter<Scalar>]) {
    func rule(_ decay: Scalar) -> UpdateRule<Scalar> {
      .rmsProp(learningRate: learningRate, rho: rho, epsilon: epsilon, weightDecay: decay)
    }
    slots.update(
      parameters, rule: rule(weightDecay), undecayed: weightDecay == 0 ? nil : rule(0),
      selection: weightDecaySelection, slots: ["square"])
  }

  /// The squared-gradient averages.
  public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
    slots.named(slots: ["square"])
  }

  /// Restores the squared-gradient averages.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    try slots.load(tensors, for: parameters, slots: ["square"])
  }
}

/// AdaGrad: `s ← s + g²`, `p ← p - lr·g / (√s + ε)`.
public final class AdaGrad<Scalar: TensorScalar>: Optimizer {
  /// The step size.
  public var learningRate: Scalar
  /// Added to the denominator for stability.
  public var epsilon: Scalar
  /// The L2 penalty added to the gradient.
  public var weightDecay: Scalar
  /// The parameters `weightDecay` applies to (default: all).
  @exclusivity(unchecked) public var weightDecaySelection: WeightDecaySelection<Scalar> = .all
  // Unchecked: each step makes one access per parameter, never overlapping.
  @exclusivity(unchecked) private var slots = OptimizerSlots<Scalar>()

  /// Creates the optimiser.
  public init(learningRate: Scalar = 1e-2, epsilon: Scalar = 1e-10, weightDecay: Scalar = 0) {
    self.learningRate = learningRate
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// One AdaGrad step.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func step(_ parameters: [NamedParameter<Scalar>]) {
    func rule(_ decay: Scalar) -> UpdateRule<Scalar> {
      .adaGrad(learningRate: learningRate, epsilon: epsilon, weightDecay: decay)
    }
    slots.update(
      parameters, rule: rule(weightDecay), undecayed: weightDecay == 0 ? nil : rule(0),
      selection: weightDecaySelection, slots: ["sum"])
  }

  /// The accumulated squared gradients.
  public func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)] {
    slots.named(slots: ["sum"])
  }

  /// Restores the accumulated squared gradients.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    try slots.load(tensors, for: parameters, slots: ["sum"])
  }
}
