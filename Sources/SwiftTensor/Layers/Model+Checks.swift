// Checks of a model's configuration that run once, before training, so that a mistake in how a
// model is put together stops with a message instead of a run that silently learns nothing.

extension Model {
  /// Stops with a message if a stored property of the model holds parameters that
  /// `registerParameters(_:)` does not list: such parameters would get no gradient step and no
  /// initialisation from the model's seed, and the model would train without learning. A
  /// layer's buffers count too: one left out would be missing from every checkpoint.
  ///
  /// Properties are found with `Mirror`, once (a `Trainer` calls this when it is created): a
  /// layer, a nested model, a trainable `Variable`, or an array or optional of them. The
  /// parameters' discovery itself stays the explicit `registerParameters(_:)`.
  ///
  /// - Precondition: every parameter held by a stored property is registered.
  public func checkRegistration() {
    let registered = Set((parameters + buffers).map { ObjectIdentifier($0.variable) })
    var mistakes: [String] = []
    for child in Mirror(reflecting: self).children {
      guard let label = child.label else { continue }
      for (property, held) in heldParameters(child.value, property: label) {
        let missing = held.filter { !registered.contains($0.identifier) }.map(\.name)
        guard !missing.isEmpty else { continue }
        mistakes.append("'\(property)' (\(missing.joined(separator: ", ")))")
      }
    }
    tensorPrecondition(
      mistakes.isEmpty,
      "\(type(of: self)): registerParameters(_:) does not list the parameters of "
        + mistakes.joined(separator: ", ")
        + "; they would never train or be saved. Call each layer's "
        + "registerParameters(registrar) there.")
  }

  /// The parameters that `value`, stored in `property`, holds, by property (elements of an
  /// array as `property[i]`).
  private func heldParameters(
    _ value: Any, property: String
  ) -> [(String, [(name: String, identifier: ObjectIdentifier)])] {
    if let model = value as? any Model {
      if model === self { return [] }
      return [(property, parametersListed(byModel: model))]
    }
    if let layer = value as? any Layer { return [(property, parametersListed(by: layer))] }
    if let variable = value as? Variable<Scalar> {
      guard variable.isTrainable else { return [] }
      return [(property, [(variable.name, ObjectIdentifier(variable))])]
    }
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
      guard let wrapped = mirror.children.first?.value else { return [] }
      return heldParameters(wrapped, property: property)
    case .collection:
      return mirror.children.enumerated().flatMap { index, element in
        heldParameters(element.value, property: "\(property)[\(index)]")
      }
    default: return []
    }
  }
}

/// The parameters a layer lists, by name and identity, without renaming them.
private func parametersListed<L: Layer>(
  by layer: L
) -> [(name: String, identifier: ObjectIdentifier)] {
  parametersListed(by: layer.registerParameters)
}

/// The parameters a model lists, by name and identity, without renaming them.
private func parametersListed<M: Model>(
  byModel model: M
) -> [(name: String, identifier: ObjectIdentifier)] {
  parametersListed(by: model.registerParameters)
}

/// The parameters `register` lists, by name and identity, without renaming them.
private func parametersListed<Scalar: TensorScalar>(
  by register: (ParameterRegistrar<Scalar>) -> Void
) -> [(name: String, identifier: ObjectIdentifier)] {
  let registrar = ParameterRegistrar<Scalar>(renamesVariables: false)
  register(registrar)
  return (registrar.parameters + registrar.buffers).map { ($0.path, ObjectIdentifier($0.variable)) }
}

extension Graph {
  /// Runs the body once on zeros of shape `[1] + inputShape` (one sample), in evaluation mode
  /// and on no tape, and returns the output's shape: a layer that does not fit its input stops
  /// with a message that starts with its path (`affine_1: Affine: input of shape [1, 30] ...`).
  ///
  /// The compiler checks only that the layers' types chain; this checks their sizes before the
  /// first training step. `Graph(_:seed:inputShape:body:)` calls it when given an input shape.
  @discardableResult
  public func check(inputShape: [Int]) -> [Int] {
    predict(.zeros(shape: [1] + inputShape)).shape
  }
}
