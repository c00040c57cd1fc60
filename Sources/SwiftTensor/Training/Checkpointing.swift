import Foundation

extension Model {
  /// The parameters, then the buffers, as a safetensors checkpoint, named by their paths.
  public func checkpoint() -> SafeTensors {
    var file = SafeTensors()
    for parameter in parameters + buffers {
      file.set(parameter.variable.value, named: parameter.path)
    }
    return file
  }

  /// Saves the parameters and buffers to a safetensors file, atomically: the file is complete or untouched.
  ///
  /// - Throws: `CheckpointError.fileSystem` if it cannot be written.
  public func save(to url: URL) throws(CheckpointError) {
    try checkpoint().write(to: url)
  }

  /// Loads parameters and buffers saved by `save(to:)`: all or nothing.
  ///
  /// Every parameter and buffer must be present with this model's dtype and shape; otherwise
  /// nothing is changed and the error names the tensor. When `strict` is true the file must
  /// hold no other tensor (optimiser state under `optimizer/` and trainer counters under
  /// `trainer/` are allowed); when it is false, any other tensor (integer or half-precision
  /// tensors of another framework, such as PyTorch's `num_batches_tracked` counter of a batch
  /// norm with a numeric momentum, which reads no counter) is skipped. A buffer may be stored
  /// as `I64` (PyTorch's counters): its values must be integers in `0...2^53`.
  ///
  /// - Parameters:
  ///   - url: the safetensors file.
  ///   - strict: whether tensors that are neither parameters nor buffers make the load fail.
  /// - Returns: the names of the stored tensors that are neither parameters nor buffers and
  ///   were skipped.
  /// - Throws: `CheckpointError` for an unreadable or malformed file, or one made for another
  ///   model or precision.
  @discardableResult
  public func load(from url: URL, strict: Bool = true) throws(CheckpointError) -> [String] {
    try load(SafeTensors(contentsOf: url), source: url.path, strict: strict)
  }

  /// Loads parameters and buffers from a checkpoint in memory; see `load(from:strict:)`.
  ///
  /// - Returns: the names of the stored tensors that are neither parameters nor buffers and
  ///   were skipped.
  /// - Throws: `CheckpointError` for a checkpoint made for another model or precision.
  @discardableResult
  public func load(
    _ file: SafeTensors, source: String = "checkpoint", strict: Bool = true
  ) throws(CheckpointError) -> [String] {
    let parameters = self.parameters + buffers
    let bufferPaths = Set(buffers.map(\.path))
    var values: [Tensor<Scalar>] = []
    for parameter in parameters {
      let value: Tensor<Scalar>
      if bufferPaths.contains(parameter.path), file[parameter.path]?.dtype == .i64 {
        // A counter buffer as PyTorch stores it (a batch norm's `num_batches_tracked`).
        let stored = file[parameter.path]?.shape ?? []
        let counters = try file.counters(
          named: parameter.path, count: stored.reduce(1, *), source: source)
        value = Tensor(shape: stored, scalars: counters.map { Scalar(Double($0)) })
      } else {
        value = try file.tensor(named: parameter.path, as: Scalar.self)
      }
      guard value.shape == parameter.variable.value.shape else {
        throw .shapeMismatch(
          name: parameter.path, stored: value.shape, expected: parameter.variable.value.shape)
      }
      values.append(value)
    }
    let known = Set(parameters.map(\.path))
    let skipped = file.names.filter { !known.contains($0) }
    let unexpected = skipped.filter { !$0.hasPrefix("optimizer/") && !$0.hasPrefix("trainer/") }
    if strict && !unexpected.isEmpty { throw .unexpectedTensors(names: unexpected) }
    for (parameter, value) in zip(parameters, values) {
      parameter.variable.value = value
      parameter.variable.zeroGradient()
    }
    return skipped
  }
}

extension Trainer {
  /// The metadata key naming the optimiser kind that wrote a checkpoint.
  static var optimizerKindKey: String { "optimizer" }

  /// Saves everything needed to resume: parameters and buffers, optimiser state (under `optimizer/`, its
  /// counters as exact `I64`), the step and epoch counters (`trainer/counters`, `I64`), and
  /// the optimiser's kind in the metadata, atomically.
  ///
  /// In data-parallel training only rank 0 writes; on the other ranks this does nothing.
  ///
  /// - Throws: `CheckpointError.fileSystem` if it cannot be written.
  public func saveCheckpoint(to url: URL) throws(CheckpointError) {
    guard communicator.rank == 0 else { return }
    var file = model.checkpoint()
    let counters = optimizer.stateCounters()
    let counterNames = Set(counters.map(\.name))
    for (name, tensor) in optimizer.stateTensors() where !counterNames.contains(name) {
      file.set(tensor, named: "optimizer/\(name)")
    }
    for (name, value) in counters {
      file.set([Int64(value)], shape: [], named: "optimizer/\(name)")
    }
    file.set([Int64(step), Int64(epoch)], shape: [2], named: "trainer/counters")
    file.metadata[Self.optimizerKindKey] = optimizer.checkpointKind
    try file.write(to: url)
  }

  /// Restores a checkpoint written by `saveCheckpoint(to:)`, so that training continues
  /// exactly as if it had not stopped: all or nothing.
  ///
  /// Nothing in the file is trusted: counters must be integers in `0...2^53` (stored as `I64`,
  /// or as `F32`/`F64` by older versions), the optimiser kind recorded in the metadata must be
  /// this trainer's, and the optimiser state must be exactly what this optimiser uses, finite.
  ///
  /// - Throws: `CheckpointError` for a malformed file, one made for another model, precision
  ///   or optimiser (`.optimizerMismatch`, `.unexpectedTensors`), or one holding a number that
  ///   cannot be used (`.invalidNumber`, naming the tensor and the value).
  public func resume(from url: URL) throws(CheckpointError) {
    let source = url.path
    let file = try SafeTensors(contentsOf: url)
    let counters = try file.counters(named: "trainer/counters", count: 2, source: source)
    if let stored = file.metadata[Self.optimizerKindKey], stored != optimizer.checkpointKind {
      throw .optimizerMismatch(source: source, stored: stored, expected: optimizer.checkpointKind)
    }
    let counterNames = Set(optimizer.stateCounters().map(\.name))
    var state: [String: Tensor<Scalar>] = [:]
    var optimizerCounters: [String: Int] = [:]
    for name in file.names where name.hasPrefix("optimizer/") {
      let key = String(name.dropFirst("optimizer/".count))
      if counterNames.contains(key) {
        optimizerCounters[key] = try file.counters(named: name, count: 1, source: source)[0]
      } else {
        state[key] = try file.tensor(named: name, as: Scalar.self)
      }
    }
    // Check the parameters before touching the optimiser, so a failure changes nothing.
    let current = model.checkpoint()
    let previousState = optimizer.stateTensors()
    let previousCounters = optimizer.stateCounters()
    try model.load(file, source: source)
    do throws(CheckpointError) {
      do {
        try optimizer.loadState(state, counters: optimizerCounters, for: model.parameters)
      } catch {
        throw .invalidField(
          source: source, tensor: nil, field: "optimizer", expected: error.description)
      }
      // State this optimiser does not use means the file was written by another optimiser
      // (or another configuration, such as SGD with momentum resumed without).
      let used = Set(optimizer.stateTensors().map(\.name)).union(counterNames)
      let unused = file.names.filter {
        $0.hasPrefix("optimizer/") && !used.contains(String($0.dropFirst("optimizer/".count)))
      }
      if !unused.isEmpty { throw .unexpectedTensors(names: unused) }
    } catch {
      _ = try? model.load(current, source: "previous parameters")
      restoreOptimizer(previousState, counters: previousCounters)
      throw error
    }
    restoreCounters(step: counters[0], epoch: counters[1])
  }

  /// Puts back the optimiser state saved before a failed resume, as far as it loads (an
  /// optimiser that had taken no step has no state to put back).
  private func restoreOptimizer(
    _ previous: [(name: String, tensor: Tensor<Scalar>)],
    counters previousCounters: [(name: String, value: Int)]
  ) {
    var tensors: [String: Tensor<Scalar>] = [:]
    for (name, tensor) in previous { tensors[name] = tensor }
    let counters = Dictionary(
      previousCounters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    try? optimizer.loadState(tensors, counters: counters, for: model.parameters)
  }
}
