// The layers of an MLP. Activation operations (`Relu`, `Sigmoid`, `Tanh`, `Softmax`,
// `LogSoftmax`) are layers too: the same struct computes on tensors, records on variables, and
// sits in a `@LayerBuilder` block.

/// A fully connected layer, `y = x·W + b` (pytensor's `Affine`), with `W` of shape
/// `[inputSize, outputSize]` and `b` of shape `[outputSize]`.
///
/// Input `[batch, inputSize]`, output `[batch, outputSize]`; on inputs of rank 3 or more
/// (`[batch, time, inputSize]`) the map applies to the last axis, as PyTorch's `Linear`, with
/// no copy. `W` starts as pytensor's
/// `standard_normal / √inputSize` (or another `ParameterInitializer`), `b` at 0.
public struct Affine<Scalar: TensorScalar>: Layer {
  /// The weight, `[inputSize, outputSize]`.
  public let weight: Variable<Scalar>
  /// The bias, `[outputSize]`, or `nil` without bias.
  public let bias: Variable<Scalar>?
  /// How the weight is initialised.
  public let weightInitializer: ParameterInitializer
  /// The activation applied to the output in the same operation (`.identity`: none).
  public let activation: FusedActivation

  /// Creates the layer and draws its parameters from `seed` (a model's
  /// `initializeParameters(seed:)` redraws them from the model's seed).
  ///
  /// `activation` computes, say, `sigmoid(x·W + b)` as one recorded operation: the same values
  /// and gradients as `Affine` followed by `Sigmoid()`, with one pass and one operation fewer.
  @inlinable
  public init(
    _ inputSize: Int, _ outputSize: Int, bias: Bool = true,
    activation: FusedActivation = .identity, weightInitializer: ParameterInitializer? = nil,
    seed: UInt64 = 0
  ) {
    self.activation = activation
    tensorPrecondition(
      inputSize > 0 && outputSize > 0,
      "Affine: sizes must be positive, got \(inputSize) -> \(outputSize)")
    _ = Tensor<Scalar>.elementCount(of: [inputSize, outputSize], operation: "Affine")
    weight = Variable(.zeros(shape: [inputSize, outputSize]), name: "W")
    self.bias = bias ? Variable(.zeros(shape: [outputSize]), name: "b") : nil
    self.weightInitializer = weightInitializer ?? .scaledNormal(fanIn: inputSize)
    initializeParameters(seed: seed)
  }

  /// `activation(x·W + b)`
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, context: LayerContext
  )
    -> Variable<Scalar>
  {
    tensorPrecondition(
      input.value.rank >= 2 && input.value.shape.last == weight.value.shape[0],
      layerPathPrefix(weight) + "Affine: input of shape \(describe(shape: input.value.shape)) "
        + "does not fit a layer of "
        + "\(weight.value.shape[0]) inputs; expected [batch, \(weight.value.shape[0])] or "
        + "[..., \(weight.value.shape[0])]")
    return input.affine(weight, bias, activation: activation)
  }

  /// `W` and `b`.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("affine") { scope in
      scope.add("W", weight, initializer: weightInitializer)
      if let bias { scope.add("b", bias, initializer: .constant(0)) }
    }
  }
}

/// `Dense` is `Affine` under Keras's name.
public typealias Dense = Affine
/// `Linear` is `Affine` under PyTorch's name.
public typealias Linear = Affine

/// A unary operation used as a layer on variables.
public protocol ActivationLayer: UnaryOperation, Layer
where Input == Variable<Scalar>, Output == Variable<Scalar> {}

extension ActivationLayer {
  /// Applies the operation, recording it on the input's tape.
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, context: LayerContext
  )
    -> Variable<Scalar>
  {
    self(input)
  }
}

extension Relu: ActivationLayer {}
extension Sigmoid: ActivationLayer {}
extension Tanh: ActivationLayer {}
extension Softmax: ActivationLayer {}
extension LogSoftmax: ActivationLayer {}

/// Inverted dropout: in training, zeroes each element with probability `rate` and scales the
/// rest by `1 / (1 - rate)`; in evaluation, passes the input through unchanged.
///
/// Masks come from the forward pass's seeded `LayerContext`, so a run is reproducible.
public struct Dropout<Scalar: TensorScalar>: Layer {
  /// The probability of zeroing an element, in `[0, 1)`.
  public let rate: Double

  /// Creates the layer.
  @inlinable
  public init(rate: Double) {
    tensorPrecondition(
      rate >= 0 && rate < 1, "Dropout: rate \(rate) is outside [0, 1)")
    self.rate = rate
  }

  /// The input with dropout applied when training.
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, context: LayerContext
  )
    -> Variable<Scalar>
  {
    guard context.isTraining, rate > 0 else { return input }
    let uniform = Tensor<Scalar>.random(shape: input.value.shape, using: &context.generator)
    let keep = uniform .>= Scalar(rate)
    return MaskMultiply(mask: keep * Scalar(1 / (1 - rate)))(input)
  }
}

/// Reshapes each sample, keeping the batch axis: `[batch, ...]` to `[batch] + shape`.
public struct ReshapeLayer<Scalar: TensorScalar>: Layer {
  /// The shape of one sample after the layer; one dimension may be `-1`.
  public let sampleShape: [Int]
  /// Creates the layer.
  @inlinable
  public init(_ sampleShape: [Int]) { self.sampleShape = sampleShape }
  /// The reshaped input.
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, context: LayerContext
  )
    -> Variable<Scalar>
  {
    input.reshaped(to: [input.value.shape.first ?? 0] + sampleShape)
  }
}

/// Flattens each sample: `[batch, d1, d2, ...]` to `[batch, d1·d2·...]`.
public struct Flatten<Scalar: TensorScalar>: Layer {
  /// Creates the layer.
  @inlinable
  public init() {}
  /// The flattened input.
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, context: LayerContext
  )
    -> Variable<Scalar>
  {
    let shape = input.value.shape
    return input.reshaped(to: [shape.first ?? 1, shape.dropFirst().reduce(1, *)])
  }
}
