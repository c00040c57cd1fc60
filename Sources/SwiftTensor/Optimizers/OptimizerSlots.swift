/// Per-parameter state buffers shared by the optimisers, keyed by parameter path.
///
/// A parameter's buffers sit together under its path, so a step finds them with one lookup
/// and updates them where they are; outside, they are named `path/slot` (checkpoints).
struct OptimizerSlots<Scalar: TensorScalar> {
  /// One parameter's buffers, in the order of the optimiser's slot names (at most two).
  struct Buffers {
    var first: Tensor<Scalar>?
    var second: Tensor<Scalar>?
  }

  /// Slots that hold averages or sums of squares, which are never negative.
  static var nonNegativeSlots: Set<String> { ["v", "square", "sum"] }
  var buffers: [String: Buffers] = [:]

  /// Runs `rule` on one parameter, creating zeroed state buffers on first use.
  mutating func update(
    _ parameter: NamedParameter<Scalar>, rule: UpdateRule<Scalar>, slots: [String]
  ) {
    let variable = parameter.variable
    // Moved out and back rather than copied: a copy of a tensor costs two atomic operations
    // and their two releases, per parameter and step.
    guard let gradient = variable.takeGradient() else { return }
    defer { variable.gradient = gradient }
    tensorPrecondition(
      gradient.shape == variable.value.shape,
      "Optimizer: gradient of '\(parameter.path)' has shape \(describe(shape: gradient.shape)),"
        + " expected \(describe(shape: variable.value.shape))")
    if slots.isEmpty {
      // No state (plain SGD): no dictionary traffic, one pass over the buffers.
      var (first, second): (Tensor<Scalar>?, Tensor<Scalar>?) = (nil, nil)
      OptimizerKernels.update(rule, &variable.value, gradient, first: &first, second: &second)
      return
    }
    // Updated in place in the dictionary: the buffers stay uniquely referenced, so the kernel
    // writes them without copies, and the path is hashed once per step.
    Self.update(
      &buffers[parameter.path, default: Buffers()], of: variable, gradient, rule: rule,
      count: slots.count)
  }

  private static func update(
    _ state: inout Buffers, of variable: Variable<Scalar>, _ gradient: Tensor<Scalar>,
    rule: UpdateRule<Scalar>, count: Int
  ) {
    let shape = variable.value.shape
    if state.first == nil { state.first = .zeros(shape: shape) }
    if count > 1 && state.second == nil { state.second = .zeros(shape: shape) }
    OptimizerKernels.update(
      rule, &variable.value, gradient, first: &state.first, second: &state.second)
  }

  /// The buffers as tensors named `path/slot`, sorted by name.
  func named(slots: [String]) -> [(name: String, tensor: Tensor<Scalar>)] {
    buffers.flatMap { path, state in
      zip(slots, [state.first, state.second]).compactMap { slot, tensor in
        tensor.map { ("\(path)/\(slot)", $0) }
      }
    }.sorted { $0.name < $1.name }
  }

  /// Restores buffers for `parameters`, checking shapes.
  mutating func load(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>],
    slots: [String]
  ) throws(OptimizerStateError) {
    var restored: [String: Buffers] = [:]
    for parameter in parameters {
      var state = Buffers()
      for (index, slot) in slots.enumerated() {
        let key = "\(parameter.path)/\(slot)"
        guard let tensor = tensors[key] else {
          throw OptimizerStateError(description: "optimizer state: missing '\(key)'")
        }
        guard tensor.shape == parameter.variable.value.shape else {
          throw OptimizerStateError(
            description: "optimizer state: '\(key)' has shape \(describe(shape: tensor.shape)),"
              + " expected \(describe(shape: parameter.variable.value.shape))")
        }
        // A non-finite value would turn every parameter into NaN at the next step, and a
        // negative second moment would be square-rooted.
        let values = tensor.scalars
        let nonNegative = Self.nonNegativeSlots.contains(slot)
        if let bad = values.first(where: { !$0.isFinite || (nonNegative && $0 < 0) }) {
          throw OptimizerStateError(
            description: "optimizer state: '\(key)' holds \(bad), expected finite"
              + (nonNegative ? " non-negative values" : " values"))
        }
        if index == 0 { state.first = tensor } else { state.second = tensor }
      }
      if !slots.isEmpty { restored[parameter.path] = state }
    }
    buffers = restored
  }
}
