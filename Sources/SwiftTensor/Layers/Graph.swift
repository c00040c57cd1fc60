/// A trainable model: named parameters and a forward pass from a batch to outputs.
///
/// `Graph` is the model you compose in the layer DSL. A model with loops or several inputs is
/// written as a class conforming to `Model`, as pytensor's `Graph` subclasses are: it holds its
/// layers, lists their parameters, and writes `forward`. Both kinds train with `Trainer`.
///
/// ```swift
/// final class TwoLayers: Model {
///   let hidden = Affine<Float>(64, 30)
///   let output = Affine<Float>(30, 10)
///   init() { initializeParameters(seed: 0) }   // optional: the layers start drawn from seed 0
///   func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
///     output(hidden(x, context: context).sigmoid(), context: context)
///   }
///   func registerParameters(_ registrar: ParameterRegistrar<Float>) {
///     hidden.registerParameters(registrar)
///     output.registerParameters(registrar)
///   }
/// }
/// ```
public protocol Model<Scalar>: AnyObject {
  /// The element type of the parameters and values.
  associatedtype Scalar: TensorScalar

  /// Computes the outputs (for a classifier, logits `[batch, classes]`) of a batch.
  func forward(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar>

  /// Lists the parameters, in a stable order.
  func registerParameters(_ registrar: ParameterRegistrar<Scalar>)
}

extension Model {
  /// The parameters with their unique path names, in registration order.
  public var parameters: [NamedParameter<Scalar>] {
    let registrar = ParameterRegistrar<Scalar>()
    registerParameters(registrar)
    return registrar.parameters
  }

  /// The buffers (state saved with the parameters but never trained, such as a batch norm's
  /// running statistics) with their unique path names, in registration order. They are not in
  /// `parameters`, so optimisers and gradient norms never see them.
  public var buffers: [NamedParameter<Scalar>] {
    let registrar = ParameterRegistrar<Scalar>()
    registerParameters(registrar)
    return registrar.buffers
  }

  /// Draws every parameter's initial value, in registration order, from a generator seeded
  /// with `seed`, and resets every buffer to its initial value: the same seed gives the same
  /// model on every platform.
  @inlinable
  public func initializeParameters(seed: UInt64) {
    let registrar = ParameterRegistrar<Scalar>()
    registerParameters(registrar)
    drawInitialValues(of: registrar.parameters, seed: seed)
    drawInitialValues(of: registrar.buffers, seed: seed)
  }

  /// Runs the model for inference on a tensor: evaluation mode, nothing recorded.
  @inlinable
  public func predict(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
    forward(
      Variable(input, trainable: false), context: LayerContext(isTraining: false, seed: 0)
    ).value
  }

  /// Copies parameter and buffer values from another model with the same paths and shapes,
  /// converting the precision: this is how a `Float` model becomes a `Double` one.
  ///
  /// - Precondition: both models have the same parameter and buffer paths and shapes.
  @inlinable
  public func copyParameters<Other: Model>(from other: Other) {
    let source = other.parameters + other.buffers
    let target = parameters + buffers
    tensorPrecondition(
      source.map(\.path) == target.map(\.path),
      "copyParameters: the models' parameters differ: \(source.map(\.path)) vs "
        + "\(target.map(\.path))")
    for (from, to) in zip(source, target) {
      tensorPrecondition(
        from.variable.value.shape == to.variable.value.shape,
        "copyParameters: '\(to.path)' has shape \(describe(shape: to.variable.value.shape)) "
          + "here and \(describe(shape: from.variable.value.shape)) in the source")
      to.variable.value = Tensor(
        shape: from.variable.value.shape, scalars: from.variable.value.scalars.map(Scalar.init))
    }
  }
}

/// A model composed in the layer DSL: a name, a body of layers, and its parameters, named
/// after their layers (`affine_0/W`) and initialised from a seed.
///
/// ```swift
/// let mlp = Graph<Float>("mlp") {
///   Affine(64, 30)
///   Sigmoid()
///   Affine(30, 10)
/// }
/// let logits = mlp.predict(batch)   // [batch, 10]
/// ```
///
/// Change `Float` to `Double` and nothing else changes.
public final class Graph<Scalar: TensorScalar>: Model {
  /// The model's name.
  public let name: String
  @usableFromInline let body: (Variable<Scalar>, LayerContext) -> Variable<Scalar>
  @usableFromInline let register: (ParameterRegistrar<Scalar>) -> Void
  /// Runs the body layer by layer, listing each (see `summary(inputShape:)`).
  @usableFromInline let summarizeBody:
    (Variable<Scalar>, LayerContext, inout [LayerSummary]) -> Variable<Scalar>

  /// Builds the model and initialises its parameters from `seed`; given `inputShape` (one
  /// sample's shape, without the batch axis), checks that every layer fits its input (see
  /// `check(inputShape:)`).
  @inlinable
  public init<Body: Layer>(
    _ name: String, seed: UInt64 = 0, inputShape: [Int]? = nil,
    @LayerBuilder<Scalar> body: () -> Body
  ) where Body.Scalar == Scalar, Body.Input == Variable<Scalar>, Body.Output == Variable<Scalar> {
    self.name = name
    let box = LayerBox(body())
    self.body = { box.layers($0, context: $1) }
    self.register = { box.layers.registerParameters($0) }
    self.summarizeBody = { summarize(box.layers, $0, $1, &$2) }
    initializeParameters(seed: seed)
    if let inputShape { check(inputShape: inputShape) }
  }

  /// Runs the body.
  @inlinable
  public func forward(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    body(input, context)
  }

  /// The body's parameters.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) { register(registrar) }

  /// Runs the body in evaluation mode on a variable (recorded if the variable is on a tape).
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>) -> Variable<Scalar> {
    body(input, LayerContext(isTraining: false, seed: 0))
  }
}

/// The layers of a `Graph`, shared by its closures: a layer struct captured directly was
/// copied out of the closure's context at every call (a retain and a release per parameter per
/// step); a `let` of a final class is borrowed instead.
@usableFromInline
final class LayerBox<Body: Layer> {
  @usableFromInline let layers: Body
  @inlinable init(_ layers: Body) { self.layers = layers }
}
