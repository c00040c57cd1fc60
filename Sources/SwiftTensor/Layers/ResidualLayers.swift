// Residual blocks: the skip connection of ResNets and transformers, written as a block of the
// layer DSL.

/// A residual block: `x + body(x)`, the body written as a `@LayerBuilder` block.
///
/// ```swift
/// let block = Graph<Float>("block") {
///   Residual {
///     LayerNorm([128])
///     Affine(128, 512, activation: .gelu(.tanh))
///     Affine(512, 128)
///   }
/// }
/// ```
///
/// The body's output must have the input's shape (checked at every call, with a message naming
/// the block and both shapes). The body's parameters are registered in order under the block's
/// scope (`residual_0/layernorm_0/weight`), so their paths are stable. The sum is one recorded
/// addition; its backward passes the output gradient to both the input and the body.
public struct Residual<Scalar: TensorScalar, Body: Layer>: Layer
where
  Body.Scalar == Scalar, Body.Input == Variable<Scalar>, Body.Output == Variable<Scalar>
{
  /// The layers the input runs through before it is added back.
  public let body: Body

  /// Creates the block from the layers of `body`.
  @inlinable
  public init(@LayerBuilder<Scalar> _ body: () -> Body) { self.body = body() }

  /// `input + body(input)`.
  ///
  /// - Precondition: the body's output has the input's shape.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let output = body(input, context: context)
    if output.value.shape != input.value.shape {
      tensorFailure(
        residualPathPrefix() + "Residual: the body maps an input of shape "
          + "\(describe(shape: input.value.shape)) to \(describe(shape: output.value.shape)); "
          + "a residual block needs the input's shape back")
    }
    return input + output
  }

  /// The body's parameters, in order, under a `residual` scope.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("residual") { body.registerParameters($0) }
  }

  /// `"residual_0: "` when the block is in a model (read from its first parameter's path,
  /// `residual_0/affine_0/W`), else nothing. Only a failing check builds it.
  @usableFromInline
  func residualPathPrefix() -> String {
    let registrar = ParameterRegistrar<Scalar>(renamesVariables: false)
    body.registerParameters(registrar)
    guard let name = registrar.parameters.first?.variable.name else { return "" }
    let components = name.split(separator: "/")
    guard components.count > 2 else { return "" }
    return components.dropLast(2).joined(separator: "/") + ": "
  }
}
