import Foundation

extension Model {
  /// The parameters as a safetensors checkpoint, named by their paths.
  public func checkpoint() -> SafeTensors {
    var file = SafeTensors()
    for parameter in parameters { file.set(parameter.variable.value, named: parameter.path) }
    return file
  }

  /// Saves the parameters to a safetensors file, atomically: the file is complete or untouched.
  ///
  /// - Throws: `CheckpointError.fileSystem` if it cannot be written.
  public func save(to url: URL) throws(CheckpointError) {
    try checkpoint().write(to: url)
  }

  /// Loads parameters saved by `save(to:)`: all or nothing.
  ///
  /// Every parameter must be present with this model's dtype and shape, and the file must hold
  /// no other tensor (optimiser state under `optimizer/` and trainer counters under `trainer/`
  /// are allowed); otherwise nothing is changed and the error names the tensor.
  ///
  /// - Throws: `CheckpointError` for an unreadable or malformed file, or one made for another
  ///   model or precision.
  public func load(from url: URL) throws(CheckpointError) {
    try load(SafeTensors(contentsOf: url), source: url.path)
  }

  /// Loads parameters from a checkpoint in memory; see `load(from:)`.
  public func load(_ file: SafeTensors, source: String = "checkpoint") throws(CheckpointError) {
    let parameters = self.parameters
    var values: [Tensor<Scalar>] = []
    for parameter in parameters {
      let value = try file.tensor(named: parameter.path, as: Scalar.self)
      guard value.shape == parameter.variable.value.shape else {
        throw .shapeMismatch(
          name: parameter.path, stored: value.shape, expected: parameter.variable.value.shape)
      }
      values.append(value)
    }
    let known = Set(parameters.map(\.path))
    let unexpected = file.names.filter {
      !known.contains($0) && !$0.hasPrefix("optimizer/") && !$0.hasPrefix("trainer/")
    }
    if !unexpected.isEmpty { throw .unexpectedTensors(names: unexpected) }
    for (parameter, value) in zip(parameters, values) {
      parameter.variable.value = value
      parameter.variable.zeroGradient()
    }
  }
}

extension Trainer {
  /// Saves everything needed to resume: parameters, optimiser state (under `optimizer/`) and
  /// the step and epoch counters (under `trainer/`), atomically.
  ///
  /// - Throws: `CheckpointError.fileSystem` if it cannot be written.
  public func saveCheckpoint(to url: URL) throws(CheckpointError) {
    var file = model.checkpoint()
    for (name, tensor) in optimizer.stateTensors() { file.set(tensor, named: "optimizer/\(name)") }
    file.set(Tensor<Double>([Double(step), Double(epoch)]), named: "trainer/counters")
    try file.write(to: url)
  }

  /// Restores a checkpoint written by `saveCheckpoint(to:)`, so that training continues
  /// exactly as if it had not stopped: all or nothing.
  ///
  /// - Throws: `CheckpointError` for a malformed file or one made for another model,
  ///   precision or optimiser.
  public func resume(from url: URL) throws(CheckpointError) {
    let file = try SafeTensors(contentsOf: url)
    let counters = try file.tensor(named: "trainer/counters", as: Double.self)
    guard counters.shape == [2] else {
      throw .shapeMismatch(name: "trainer/counters", stored: counters.shape, expected: [2])
    }
    var state: [String: Tensor<Scalar>] = [:]
    for name in file.names where name.hasPrefix("optimizer/") {
      state[String(name.dropFirst("optimizer/".count))] = try file.tensor(
        named: name, as: Scalar.self)
    }
    // Check the parameters before touching the optimiser, so a failure changes nothing.
    let current = model.checkpoint()
    try model.load(file, source: url.path)
    do {
      try optimizer.loadState(state, for: model.parameters)
    } catch {
      try? model.load(current, source: "previous parameters")
      throw .invalidField(
        source: url.path, tensor: nil, field: "optimizer", expected: error.description)
    }
    restoreCounters(step: Int(counters.scalars[0]), epoch: Int(counters.scalars[1]))
  }
}
