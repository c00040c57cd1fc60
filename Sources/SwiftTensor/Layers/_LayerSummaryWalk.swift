// How `summary(inputShape:)` walks a `Graph`'s body: the builder's composite layers (`Chain`,
// `OptionalLayer`, `EitherLayer`, `LayerSequence`) run their parts one at a time; any other
// layer runs whole and adds one row.

/// A layer made of other layers, which the summary walks into.
protocol _ComposedLayer {
  /// Runs the parts on `input` (the layer's `Input`), appending one row per part; returns the
  /// layer's `Output`.
  func _summarize(_ input: Any, _ context: LayerContext, _ rows: inout [LayerSummary]) -> Any
}

/// Runs `layer` on `input`, appending its rows (its parts' for a composed layer).
@usableFromInline
func summarize<L: Layer>(
  _ layer: L, _ input: L.Input, _ context: LayerContext, _ rows: inout [LayerSummary]
) -> L.Output {
  if let composed = layer as? any _ComposedLayer,
    let output = composed._summarize(input, context, &rows) as? L.Output
  {
    return output
  }
  let output = layer(input, context: context)
  let registrar = ParameterRegistrar<L.Scalar>(renamesVariables: false)
  layer.registerParameters(registrar)
  let count = { (list: [NamedParameter<L.Scalar>]) in
    list.reduce(0) { $0 + $1.variable.value.scalarCount }
  }
  // The variables carry their paths in the model (`residual_0/affine_1/W`); the layer's path
  // is what all of them share before their last component.
  let scopes = (registrar.parameters + registrar.buffers).map {
    $0.variable.name.split(separator: "/").dropLast().map(String.init)
  }
  var path = scopes.first ?? []
  for scope in scopes.dropFirst() {
    path = Array(zip(path, scope).prefix { $0.0 == $0.1 }.map(\.0))
  }
  let type = String(describing: L.self).prefix { $0 != "<" }
  rows.append(
    LayerSummary(
      path: path.joined(separator: "/"), type: String(type),
      outputShape: (output as? Variable<L.Scalar>)?.value.shape,
      parameterCount: count(registrar.parameters), bufferCount: count(registrar.buffers)))
  return output
}

extension Chain: _ComposedLayer {
  func _summarize(_ input: Any, _ context: LayerContext, _ rows: inout [LayerSummary]) -> Any {
    guard let input = input as? First.Input else { tensorFailure("summary: Chain input type") }
    return summarize(second, summarize(first, input, context, &rows), context, &rows)
  }
}

extension OptionalLayer: _ComposedLayer {
  func _summarize(_ input: Any, _ context: LayerContext, _ rows: inout [LayerSummary]) -> Any {
    guard let input = input as? Wrapped.Input else {
      tensorFailure("summary: OptionalLayer input type")
    }
    guard let wrapped else { return input }
    return summarize(wrapped, input, context, &rows)
  }
}

extension EitherLayer: _ComposedLayer {
  func _summarize(_ input: Any, _ context: LayerContext, _ rows: inout [LayerSummary]) -> Any {
    guard let input = input as? First.Input else {
      tensorFailure("summary: EitherLayer input type")
    }
    switch self {
    case .first(let layer): return summarize(layer, input, context, &rows)
    case .second(let layer): return summarize(layer, input, context, &rows)
    }
  }
}

extension LayerSequence: _ComposedLayer {
  func _summarize(_ input: Any, _ context: LayerContext, _ rows: inout [LayerSummary]) -> Any {
    guard let input = input as? Element.Input else {
      tensorFailure("summary: LayerSequence input type")
    }
    return layers.reduce(input) { summarize($1, $0, context, &rows) }
  }
}
