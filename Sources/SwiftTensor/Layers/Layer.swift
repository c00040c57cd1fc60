/// Something callable with parameters: the building block of models.
///
/// A layer maps an `Input` to an `Output` (usually `Variable<Scalar>` to `Variable<Scalar>`;
/// an embedding maps class indices to a variable). Layers compose in a `@LayerBuilder` block,
/// where the compiler checks that each layer's output fits the next one's input.
///
/// A layer's parameters are `Variable`s it holds; it lists them in `registerParameters(_:)`,
/// which is how a `Graph` names them (`affine_0/W`), initialises them from its seed, and hands
/// them to an optimiser.
///
/// ```swift
/// struct Scale<Scalar: TensorScalar>: Layer {
///   let factor = Variable<Scalar>(Tensor(1), name: "factor")
///   func callAsFunction(_ x: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
///     x * factor
///   }
///   func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
///     registrar.layer("scale") { $0.add("factor", factor, initializer: .constant(1)) }
///   }
/// }
/// ```
public protocol Layer<Scalar> {
  /// The element type of the layer's parameters and values.
  associatedtype Scalar: TensorScalar
  /// What the layer takes.
  associatedtype Input
  /// What the layer gives.
  associatedtype Output

  /// Runs the layer; `context` says whether the model is training (for dropout) and supplies
  /// its seeded randomness.
  func callAsFunction(_ input: Input, context: LayerContext) -> Output

  /// Lists the layer's parameters (and buffers, `ParameterRegistrar.addBuffer`), in a stable
  /// order; layers without parameters need not implement it.
  func registerParameters(_ registrar: ParameterRegistrar<Scalar>)
}

extension Layer {
  /// No parameters.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {}

  /// Draws the layer's parameters, in registration order, from a generator seeded with `seed`,
  /// keeping their names, and resets its buffers. The built-in layers call it when they are
  /// created, so a layer never
  /// holds the zeros it was allocated with; a model's `initializeParameters(seed:)` redraws
  /// every parameter from the model's seed.
  public func initializeParameters(seed: UInt64) {
    drawInitialValues(seed: seed, listedBy: registerParameters)
  }
}

/// The prefix of a message raised by a layer whose first parameter is `parameter`: the layer's
/// path in its model (`"affine_1: "`), read from the name the model registered the parameter
/// under, or nothing when the layer is in no model. Only a failing check builds it, so naming
/// the layer costs a step nothing.
@usableFromInline
func layerPathPrefix<Scalar: TensorScalar>(_ parameter: Variable<Scalar>) -> String {
  layerPathPrefix(named: parameter.name)
}

/// What a forward pass needs beyond its inputs: the mode and a seeded random generator.
///
/// One context serves one forward pass; it is a reference so that layers deep in a chain draw
/// from one shared sequence (dropout masks differ from layer to layer and step to step).
public final class LayerContext {
  /// Whether the model is training (dropout active) or evaluating.
  public let isTraining: Bool
  /// The generator layers draw from; seeded, so a run is reproducible.
  public var generator: SeededGenerator

  /// Creates a context.
  @inlinable
  public init(isTraining: Bool, seed: UInt64) {
    self.isTraining = isTraining
    generator = SeededGenerator(seed: seed)
  }
}

/// How a parameter's initial value is drawn.
public enum ParameterInitializer: Sendable {
  /// Every scalar equal to the constant.
  case constant(Double)
  /// Normal with mean 0 and the given standard deviation.
  case normal(standardDeviation: Double)
  /// Uniform in `[-bound, bound)`.
  case uniform(bound: Double)
  /// Normal with standard deviation `1/√fanIn`, pytensor's `standard_normal / sqrt(fan_in)`.
  case scaledNormal(fanIn: Int)
  /// Glorot (Xavier) uniform: bound `√(6 / (fanIn + fanOut))`, for tanh and sigmoid layers.
  case glorotUniform(fanIn: Int, fanOut: Int)
  /// He (Kaiming) normal: standard deviation `√(2 / fanIn)`, for relu layers.
  case heNormal(fanIn: Int)
  /// The last axis cut into `values.count` equal segments, each filled with its value: an
  /// LSTM bias `[0, 1, 0, 0]` opens the forget gate.
  case constantSegments([Double])

  /// A fresh value of `shape` drawn from `generator`.
  @inlinable
  public func makeValue<Scalar: TensorScalar>(
    shape: [Int], using generator: inout SeededGenerator
  ) -> Tensor<Scalar> {
    switch self {
    case .constant(let value): return Tensor(repeating: Scalar(value), shape: shape)
    case .normal(let deviation):
      return .randomNormal(shape: shape, standardDeviation: Scalar(deviation), using: &generator)
    case .uniform(let bound):
      return .random(shape: shape, lower: Scalar(-bound), upper: Scalar(bound), using: &generator)
    case .scaledNormal(let fanIn):
      return .randomNormal(
        shape: shape, standardDeviation: Scalar(1 / Double(Swift.max(fanIn, 1)).squareRoot()),
        using: &generator)
    case .glorotUniform(let fanIn, let fanOut):
      let bound = Scalar((6 / Double(Swift.max(fanIn + fanOut, 1))).squareRoot())
      return .random(shape: shape, lower: -bound, upper: bound, using: &generator)
    case .heNormal(let fanIn):
      return .randomNormal(
        shape: shape, standardDeviation: Scalar((2 / Double(Swift.max(fanIn, 1))).squareRoot()),
        using: &generator)
    case .constantSegments(let values):
      guard !values.isEmpty else { return Tensor(repeating: 0, shape: shape) }
      let count = Tensor<Scalar>.elementCount(of: shape, operation: "constantSegments")
      let segment = Swift.max((shape.last ?? 1) / Swift.max(values.count, 1), 1)
      let width = shape.last ?? 1
      let scalars = (0..<count).map { index in
        Scalar(values[Swift.min((index % width) / segment, values.count - 1)])
      }
      return Tensor(shape: shape, scalars: scalars)
    }
  }
}
