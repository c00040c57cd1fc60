// `model.summary(inputShape:)`: the layers of a model with their output shapes and parameter
// counts, found by running one sample of zeros through the layers one at a time.

/// One row of a `ModelSummary`: a layer, its output shape and its parameter count.
public struct LayerSummary: Sendable, Equatable {
  /// The layer's path in its model (`affine_0`, `residual_1`), or `""` for a layer without
  /// parameters.
  public let path: String
  /// The layer's type without its generic arguments (`Affine`, `Relu`).
  public let type: String
  /// The shape of the layer's output for one sample (batch axis 1), or `nil` when the output
  /// is not a variable.
  public let outputShape: [Int]?
  /// Scalars in the layer's parameters (buffers not included).
  public let parameterCount: Int
  /// Scalars in the layer's buffers (running statistics).
  public let bufferCount: Int
}

/// The layers of a model with their output shapes and parameter counts, the totals and the
/// memory the parameters and buffers take; `description` is the table.
///
/// ```
/// Model 'char' for input [1, 7]
/// Layer        Type       Output shape  Parameters
/// embedding_0  Embedding  [1, 7, 6]             66
/// lstm_0       LSTM       [1, 7, 8]            480
/// affine_0     Affine     [1, 7, 11]            99
/// Total parameters: 645 (2.5 KB as Float)
/// ```
public struct ModelSummary: Sendable, Equatable, CustomStringConvertible {
  /// The model's name (a `Graph`'s; the type's for other models).
  public let name: String
  /// The shape the layers were run on: `[1] + inputShape`.
  public let inputShape: [Int]
  /// The layers in order. A `Graph` lists each layer of its body (the layers of `Chain`,
  /// `if`, `if`/`else` and `for` blocks flattened, a `Residual` as one row); another `Model`
  /// lists one row per top-level parameter scope, with no output shape, and then the model's.
  public let layers: [LayerSummary]
  /// The model's output shape for one sample.
  public let outputShape: [Int]
  /// Scalars in all parameters.
  public let parameterCount: Int
  /// Scalars in all buffers.
  public let bufferCount: Int
  /// Bytes of one scalar: 4 for `Float`, 8 for `Double`.
  public let scalarSize: Int
  /// The scalar type's name.
  public let scalarType: String

  /// Bytes that the parameters and buffers take.
  public var parameterBytes: Int { (parameterCount + bufferCount) * scalarSize }

  /// The table: one line per layer, then the totals and the memory.
  public var description: String {
    let header = ["Layer", "Type", "Output shape", "Parameters"]
    let rows =
      [header]
      + layers.map { layer in
        [
          layer.path.isEmpty ? "-" : layer.path, layer.type,
          layer.outputShape.map(describe(shape:)) ?? "-", grouped(layer.parameterCount),
        ]
      }
    let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = ["Model '\(name)' for input \(describe(shape: inputShape))"]
    for row in rows {
      let cells = (0..<4).map { column in
        let padding = String(repeating: " ", count: widths[column] - row[column].count)
        return column == 3 ? padding + row[column] : row[column] + padding
      }
      lines.append(cells.joined(separator: "  "))
    }
    lines.append("Output shape: \(describe(shape: outputShape))")
    var total =
      "Total parameters: \(grouped(parameterCount))"
    if bufferCount > 0 { total += ", buffers: \(grouped(bufferCount))" }
    lines.append(total + " (\(Self.bytes(parameterBytes)) as \(scalarType))")
    return lines.joined(separator: "\n")
  }

  /// `n` with thousands separated by commas: `1,234,567`.
  private func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var result = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
      result.append(digit)
    }
    return result
  }

  /// A byte count in B, KB, MB or GB (powers of 1024), one decimal.
  static func bytes(_ count: Int) -> String {
    var value = Double(count)
    for unit in ["B", "KB", "MB"] {
      if value < 1024 {
        return unit == "B" ? "\(count) B" : "\((value * 10).rounded() / 10) \(unit)"
      }
      value /= 1024
    }
    return "\((value * 10).rounded() / 10) GB"
  }
}

extension Model {
  /// The model's layers, output shapes for one sample of `inputShape`, parameter counts and
  /// parameter memory; `print(model.summary(inputShape: [64]))` shows the table.
  ///
  /// Runs one sample of zeros (shape `[1] + inputShape`) in evaluation mode, as
  /// `check(inputShape:)` does; a shape that does not fit stops with that layer's message.
  ///
  /// - Parameter inputShape: one sample's shape, without the batch axis (for token ids, the
  ///   sequence length).
  public func summary(inputShape: [Int]) -> ModelSummary {
    let input = Variable<Scalar>(.zeros(shape: [1] + inputShape), trainable: false)
    let context = LayerContext(isTraining: false, seed: 0)
    var layers: [LayerSummary] = []
    let output: Variable<Scalar>
    let name: String
    if let graph = self as? Graph<Scalar> {
      output = graph.summarizeBody(input, context, &layers)
      name = graph.name
    } else {
      output = forward(input, context: context)
      name = String(describing: type(of: self))
      var scopes: [(String, Int, Int)] = []
      for (parameter, isBuffer) in parameters.map({ ($0, false) }) + buffers.map({ ($0, true) }) {
        let scope = String(parameter.path.split(separator: "/")[0])
        let count = parameter.variable.value.scalarCount
        if let index = scopes.firstIndex(where: { $0.0 == scope }) {
          if isBuffer { scopes[index].2 += count } else { scopes[index].1 += count }
        } else {
          scopes.append((scope, isBuffer ? 0 : count, isBuffer ? count : 0))
        }
      }
      layers = scopes.map { scope in
        let type = scope.0.split(separator: "_").dropLast().joined(separator: "_")
        return LayerSummary(
          path: scope.0, type: type, outputShape: nil, parameterCount: scope.1,
          bufferCount: scope.2)
      }
    }
    return ModelSummary(
      name: name, inputShape: [1] + inputShape, layers: layers, outputShape: output.value.shape,
      parameterCount: parameters.reduce(0) { $0 + $1.variable.value.scalarCount },
      bufferCount: buffers.reduce(0) { $0 + $1.variable.value.scalarCount },
      scalarSize: MemoryLayout<Scalar>.size, scalarType: String(describing: Scalar.self))
  }
}
