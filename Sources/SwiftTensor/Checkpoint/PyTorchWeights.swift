/// Loads a PyTorch state dict saved with `safetensors.torch.save_file` into a SwiftTensor model,
/// and exports a model's parameters as such a state dict; see `PyTorchModule` for what maps
/// onto what.
///
/// ```swift
/// // nn.Embedding(11, 6) → nn.LSTM(6, 8, batch_first=True) → nn.Linear(8, 11)
/// let model = Graph<Float>("char-lstm") {
///   Embedding(vocabulary: 11, dimension: 6)
///   LSTM(inputSize: 6, hiddenSize: 8)
///   Affine(8, 11)
/// }
/// let mapping: [PyTorchModule] = [
///   .embedding("embed", "embedding_0"), .lstm("rnn", "lstm_0"), .linear("head", "affine_0"),
/// ]
/// let skipped = try PyTorchWeights.load(SafeTensors(contentsOf: url), into: model, mapping: mapping)
/// let stateDict = try PyTorchWeights.export(from: model, mapping: mapping)
/// ```
///
/// `F16`, `BF16`, `F32` and `F64` tensors are read, converted to the model's scalar type; an
/// `I64` tensor only for a buffer (a batch norm's `num_batches_tracked`), whose values must be
/// integers in `0...2^53`. Export writes `num_batches_tracked` as `I64`, as PyTorch does.
public enum PyTorchWeights {
  /// Loads the state dict `file` into `model` through `mapping`: all or nothing.
  ///
  /// Every parameter and buffer of `model` must be reached by the mapping; the PyTorch
  /// tensors are converted (transposed, biases summed) and loaded as `Model.load` does, so a
  /// failure changes nothing.
  ///
  /// - Returns: the names of the tensors in `file` that no module of the mapping read (such as
  ///   `num_batches_tracked` of a batch norm with a numeric momentum), in file order.
  /// - Throws: `CheckpointError.missingTensor` naming the PyTorch tensor (or the model's
  ///   parameter path, when the mapping names a layer the model lacks, or leaves a parameter
  ///   unmapped: then `available` lists the paths the mapping did reach); `.shapeMismatch` naming the PyTorch tensor and the shape the model expects in
  ///   PyTorch's layout; `.dtypeMismatch` for an integer tensor where values are expected;
  ///   `.invalidNumber` for an `I64` counter outside `0...2^53`;
  ///   `.unrepresentable` for a GRU `bias_hh` whose `n` part is not zero.
  @discardableResult
  public static func load<M: Model>(
    _ file: SafeTensors, into model: M, mapping: [PyTorchModule]
  ) throws(CheckpointError) -> [String] {
    var reader = Reader<M.Scalar>(file: file, model: model)
    for module in mapping { try reader.read(module) }
    try model.load(reader.converted, source: "PyTorch state dict", strict: true)
    return file.names.filter { !reader.used.contains($0) }
  }

  /// The parameters and buffers that `mapping` reaches in `model`, under PyTorch's names and
  /// layouts, in PyTorch's state-dict order per module (`weight` before `bias`;
  /// `weight_ih_lk`, `weight_hh_lk`, `bias_ih_lk`, `bias_hh_lk` per recurrent layer).
  ///
  /// A recurrent layer's bias is written as `bias_ih` with `bias_hh` zero: PyTorch adds them,
  /// so the exported model computes the same function.
  ///
  /// - Parameters:
  ///   - model: the model whose values are exported.
  ///   - mapping: the modules to export.
  ///   - dtype: the element type of the tensors written: `.f32` (the default), `.f64`, or
  ///     `.f16`/`.bf16` (round to nearest even).
  /// - Throws: `CheckpointError.missingTensor` when the mapping names a parameter the model
  ///   does not have.
  public static func export<M: Model>(
    from model: M, mapping: [PyTorchModule], as dtype: SafeTensors.DType = .f32
  ) throws(CheckpointError) -> SafeTensors {
    let values = Dictionary(
      (model.parameters + model.buffers).map { ($0.path, $0.variable.value) },
      uniquingKeysWith: { first, _ in first })
    let available = (model.parameters + model.buffers).map(\.path)
    func value(_ path: String) throws(CheckpointError) -> Tensor<M.Scalar> {
      guard let value = values[path] else {
        throw .missingTensor(name: path, available: available)
      }
      return value
    }
    var file = SafeTensors()
    for module in mapping {
      switch module.kind {
      case .linear:
        file.set(
          transposed(try value("\(module.path)/W")), named: module.torchName("weight"), as: dtype)
        if let bias = values["\(module.path)/b"] {
          file.set(bias, named: module.torchName("bias"), as: dtype)
        }
      case .embedding:
        file.set(try value("\(module.path)/table"), named: module.torchName("weight"), as: dtype)
      case .lstm(let layers), .gru(let layers):
        for layer in 0..<layers {
          let path = module.path(ofLayer: layer)
          let bias = try value("\(path)/b")
          file.set(
            transposed(try value("\(path)/W_x")), named: module.torchName("weight_ih_l\(layer)"),
            as: dtype)
          file.set(
            transposed(try value("\(path)/W_h")), named: module.torchName("weight_hh_l\(layer)"),
            as: dtype)
          file.set(bias, named: module.torchName("bias_ih_l\(layer)"), as: dtype)
          file.set(
            Tensor<M.Scalar>.zeros(shape: bias.shape), named: module.torchName("bias_hh_l\(layer)"),
            as: dtype)
        }
      case .sameNames:
        let prefix = module.path + "/"
        let owned = available.filter { $0.hasPrefix(prefix) }
        guard !owned.isEmpty else {
          throw .missingTensor(name: prefix + "weight", available: available)
        }
        for path in owned {
          let name = module.torchName(String(path.dropFirst(prefix.count)))
          if path.hasSuffix("/num_batches_tracked") {
            // PyTorch's counter is `I64`; rounded, as a data-parallel average may be an ulp off.
            let counts = try value(path).scalars.map { Int64(Double($0).rounded()) }
            file.set(counts, shape: try value(path).shape, named: name)
          } else {
            file.set(try value(path), named: name, as: dtype)
          }
        }
      }
    }
    return file
  }

  /// A rank-2 tensor with its axes swapped: PyTorch's `[out, in]` ↔ SwiftTensor's `[in, out]`.
  static func transposed<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> Tensor<Scalar> {
    tensor.transposed(permutation: [1, 0])
  }
}

/// Reads one module at a time from a PyTorch state dict into a checkpoint of SwiftTensor paths.
private struct Reader<Scalar: TensorScalar> {
  let file: SafeTensors
  let shapes: [String: [Int]]
  let available: [String]
  let bufferPaths: Set<String>
  var converted = SafeTensors()
  var used: Set<String> = []

  init<M: Model>(file: SafeTensors, model: M) where M.Scalar == Scalar {
    self.file = file
    let all = model.parameters + model.buffers
    available = all.map(\.path)
    bufferPaths = Set(model.buffers.map(\.path))
    shapes = Dictionary(
      all.map { ($0.path, $0.variable.value.shape) }, uniquingKeysWith: { a, _ in a })
  }

  /// The shape of the model's parameter `path`.
  func shape(_ path: String) throws(CheckpointError) -> [Int] {
    guard let shape = shapes[path] else { throw .missingTensor(name: path, available: available) }
    return shape
  }

  /// The PyTorch tensor `name`, checked against `shape` (in PyTorch's layout); an `I64`
  /// tensor is read only for a buffer (`counter`), as integers in `0...2^53`.
  mutating func tensor(
    _ name: String, shape: [Int], counter: Bool = false
  ) throws(CheckpointError) -> Tensor<Scalar> {
    let value: Tensor<Scalar>
    if counter, let entry = file[name], entry.dtype == .i64 {
      let integers = try file.counters(
        named: name, count: entry.shape.reduce(1, *), source: "PyTorch state dict")
      value = Tensor(shape: entry.shape, scalars: integers.map { Scalar(Double($0)) })
    } else {
      value = try file.convertedTensor(named: name)
    }
    guard value.shape == shape else {
      throw .shapeMismatch(name: name, stored: value.shape, expected: shape)
    }
    used.insert(name)
    return value
  }

  mutating func read(_ module: PyTorchModule) throws(CheckpointError) {
    switch module.kind {
    case .linear:
      let weight = try shape("\(module.path)/W")
      let value = try tensor(module.torchName("weight"), shape: [weight[1], weight[0]])
      converted.set(PyTorchWeights.transposed(value), named: "\(module.path)/W")
      if let bias = shapes["\(module.path)/b"] {
        converted.set(try tensor(module.torchName("bias"), shape: bias), named: "\(module.path)/b")
      }
    case .embedding:
      let path = "\(module.path)/table"
      converted.set(try tensor(module.torchName("weight"), shape: try shape(path)), named: path)
    case .lstm(let layers):
      for layer in 0..<layers { try readRecurrent(module, layer: layer, gru: false) }
    case .gru(let layers):
      for layer in 0..<layers { try readRecurrent(module, layer: layer, gru: true) }
    case .sameNames:
      let prefix = module.path + "/"
      let owned = available.filter { $0.hasPrefix(prefix) }
      guard !owned.isEmpty else {
        throw .missingTensor(name: prefix + "weight", available: available)
      }
      for path in owned {
        let name = module.torchName(String(path.dropFirst(prefix.count)))
        converted.set(
          try tensor(name, shape: try shape(path), counter: bufferPaths.contains(path)),
          named: path)
      }
    }
  }

  /// Layer `layer` of an `nn.LSTM` or `nn.GRU`: weights transposed, biases summed.
  mutating func readRecurrent(
    _ module: PyTorchModule, layer: Int, gru: Bool
  ) throws(CheckpointError) {
    let path = module.path(ofLayer: layer)
    let inputWeight = try shape("\(path)/W_x")
    let hiddenWeight = try shape("\(path)/W_h")
    let biasShape = try shape("\(path)/b")
    let suffix = "_l\(layer)"
    let ih = try tensor(
      module.torchName("weight_ih" + suffix), shape: [inputWeight[1], inputWeight[0]])
    let hh = try tensor(
      module.torchName("weight_hh" + suffix), shape: [hiddenWeight[1], hiddenWeight[0]])
    let biasIH = try tensor(module.torchName("bias_ih" + suffix), shape: biasShape)
    let biasHHName = module.torchName("bias_hh" + suffix)
    let biasHH = try tensor(biasHHName, shape: biasShape)
    if gru {
      let hidden = biasShape[0] / 3
      let newGate = biasHH.scalars[(2 * hidden)...]
      if let index = newGate.firstIndex(where: { $0 != 0 }) {
        throw .unrepresentable(
          name: biasHHName,
          reason: "its n-gate part (elements \(2 * hidden)..<\(3 * hidden)) holds "
            + "\(newGate[index]) at \(index); SwiftTensor's GRU computes "
            + "tanh(x·W_x + b + r∘(h·W_h)) and cannot scale b_hn by r, so only b_hn = 0 "
            + "loads exactly")
      }
    }
    converted.set(PyTorchWeights.transposed(ih), named: "\(path)/W_x")
    converted.set(PyTorchWeights.transposed(hh), named: "\(path)/W_h")
    converted.set(biasIH + biasHH, named: "\(path)/b")
  }
}
