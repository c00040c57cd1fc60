/// Composes layers written one per line into a typed chain.
///
/// Each line's output type must be the next line's input type, and every layer must use the
/// builder's `Scalar`, or the code does not compile. `if`, `if`/`else` and `for` work inside:
///
/// ```swift
/// let model = Graph<Float>("mlp") {
///   Affine(64, 30)
///   Sigmoid()
///   if deep {
///     Affine(30, 30)
///     Sigmoid()
///   }
///   for _ in 0..<extraLayers { Affine(30, 30); Relu() }
///   Affine(30, 10)
/// }
/// ```
@resultBuilder
public enum LayerBuilder<Scalar: TensorScalar> {
  /// Fixes each layer's scalar type to the builder's.
  @inlinable
  public static func buildExpression<L: Layer>(_ layer: L) -> L where L.Scalar == Scalar {
    layer
  }

  /// The first layer of a block.
  @inlinable
  public static func buildPartialBlock<L: Layer>(first: L) -> L { first }

  /// The layers so far, followed by the next.
  @inlinable
  public static func buildPartialBlock<First: Layer, Next: Layer>(
    accumulated: First, next: Next
  ) -> Chain<First, Next> {
    Chain(accumulated, next)
  }

  /// An `if` without `else`: the layers run only when the condition held at build time.
  @inlinable
  public static func buildOptional<L: Layer>(_ layer: L?) -> OptionalLayer<L> {
    OptionalLayer(layer)
  }

  /// The `if` branch of an `if`/`else`.
  @inlinable
  public static func buildEither<First: Layer, Second: Layer>(
    first: First
  )
    -> EitherLayer<First, Second>
  {
    .first(first)
  }

  /// The `else` branch of an `if`/`else`.
  @inlinable
  public static func buildEither<First: Layer, Second: Layer>(
    second: Second
  )
    -> EitherLayer<First, Second>
  {
    .second(second)
  }

  /// A `for` loop: its layers run in order.
  @inlinable
  public static func buildArray<L: Layer>(_ layers: [L]) -> LayerSequence<L> {
    LayerSequence(layers)
  }
}

/// Two layers run one after the other.
public struct Chain<First: Layer, Second: Layer>: Layer
where First.Output == Second.Input, First.Scalar == Second.Scalar {
  /// The element type of both layers.
  public typealias Scalar = First.Scalar
  /// The first layer.
  public let first: First
  /// The second layer, fed the first one's output.
  public let second: Second

  /// Chains two layers.
  @inlinable
  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  /// `second(first(input))`
  @inlinable
  public func callAsFunction(_ input: First.Input, context: LayerContext) -> Second.Output {
    second(first(input, context: context), context: context)
  }

  /// The first layer's parameters, then the second's.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    first.registerParameters(registrar)
    second.registerParameters(registrar)
  }
}

/// A layer that runs only if it was built (the body of an `if` without `else`).
public struct OptionalLayer<Wrapped: Layer>: Layer where Wrapped.Input == Wrapped.Output {
  /// The element type.
  public typealias Scalar = Wrapped.Scalar
  /// The layer, or `nil` when the condition was false.
  public let wrapped: Wrapped?

  /// Wraps a layer that may be absent.
  @inlinable
  public init(_ wrapped: Wrapped?) { self.wrapped = wrapped }

  /// The wrapped layer's output, or the input unchanged.
  @inlinable
  public func callAsFunction(_ input: Wrapped.Input, context: LayerContext) -> Wrapped.Output {
    wrapped.map { $0(input, context: context) } ?? input
  }

  /// The wrapped layer's parameters, if present.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    wrapped?.registerParameters(registrar)
  }
}

/// One of two layers, chosen when the model was built (an `if`/`else`).
public enum EitherLayer<First: Layer, Second: Layer>: Layer
where First.Input == Second.Input, First.Output == Second.Output, First.Scalar == Second.Scalar {
  /// The element type.
  public typealias Scalar = First.Scalar
  /// The `if` branch.
  case first(First)
  /// The `else` branch.
  case second(Second)

  /// The chosen layer's output.
  @inlinable
  public func callAsFunction(_ input: First.Input, context: LayerContext) -> First.Output {
    switch self {
    case .first(let layer): layer(input, context: context)
    case .second(let layer): layer(input, context: context)
    }
  }

  /// The chosen layer's parameters.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    switch self {
    case .first(let layer): layer.registerParameters(registrar)
    case .second(let layer): layer.registerParameters(registrar)
    }
  }
}

/// Layers of one type run in order (the body of a `for` loop).
public struct LayerSequence<Element: Layer>: Layer where Element.Input == Element.Output {
  /// The element type.
  public typealias Scalar = Element.Scalar
  /// The layers, in order.
  public let layers: [Element]

  /// Wraps the layers.
  @inlinable
  public init(_ layers: [Element]) { self.layers = layers }

  /// The input passed through every layer in order.
  @inlinable
  public func callAsFunction(_ input: Element.Input, context: LayerContext) -> Element.Output {
    layers.reduce(input) { $1($0, context: context) }
  }

  /// Every layer's parameters, in order.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    for layer in layers { layer.registerParameters(registrar) }
  }
}
