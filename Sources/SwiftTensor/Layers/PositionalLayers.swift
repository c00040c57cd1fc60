import Foundation

// Position information for sequence models that have no recurrence (transformers).

/// How `PositionalEmbedding` makes its table.
public enum PositionalEncoding: Sendable, Hashable {
  /// A trained `[maxLength, width]` table, drawn normal with standard deviation 0.02 (GPT-2).
  case learned
  /// The fixed table of Vaswani et al.: `PE[p, 2i] = sin(p / 10000^(2i/width))`,
  /// `PE[p, 2i+1] = cos(p / 10000^(2i/width))`; no parameters.
  case sinusoidal
}

/// Adds a position's vector to every step of a `[batch, time, width]` batch of sequences.
///
/// Step `t` of every sequence gets row `offset + t` of a `[maxLength, width]` table, in one
/// fused operation (`AddPositions`); the table's gradient sums over the batch. `offset` (0 in a
/// model's forward pass) lets generation with a key/value cache add the rows of later
/// positions. The learned table is registered as `positional_N/table`, a lookup table, so
/// `WeightDecaySelection.matricesOnly` does not decay it.
///
/// - References: A. Vaswani et al., *Attention Is All You Need* (2017); A. Radford et al.,
///   *Language Models are Unsupervised Multitask Learners* (2019).
public struct PositionalEmbedding<Scalar: TensorScalar>: Layer {
  /// The table, `[maxLength, width]`: trained for `.learned`, fixed for `.sinusoidal`.
  public let table: Variable<Scalar>
  /// Learned or sinusoidal.
  public let encoding: PositionalEncoding

  /// Creates the layer; a learned table is drawn from `seed` (a model's
  /// `initializeParameters(seed:)` redraws it from the model's seed).
  ///
  /// - Precondition: `maxLength` and `width` are positive.
  public init(
    maxLength: Int, width: Int, encoding: PositionalEncoding = .learned, seed: UInt64 = 0
  ) {
    tensorPrecondition(
      maxLength > 0 && width > 0,
      "PositionalEmbedding: maximum length \(maxLength) and width \(width) must be positive")
    _ = Tensor<Scalar>.elementCount(of: [maxLength, width], operation: "PositionalEmbedding")
    self.encoding = encoding
    switch encoding {
    case .learned:
      table = Variable(.zeros(shape: [maxLength, width]), name: "table")
      initializeParameters(seed: seed)
    case .sinusoidal:
      table = Variable(Self.sinusoidalTable(maxLength: maxLength, width: width), trainable: false)
    }
  }

  /// Vaswani et al.'s table, computed in `Double`. O(maxLength·width).
  public static func sinusoidalTable(maxLength: Int, width: Int) -> Tensor<Scalar> {
    var scalars: [Scalar] = []
    scalars.reserveCapacity(maxLength * width)
    for position in 0..<maxLength {
      for column in 0..<width {
        let exponent = Double(column - column % 2) / Double(width)
        let angle = Double(position) / Foundation.pow(10_000, exponent)
        scalars.append(Scalar(column % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle)))
      }
    }
    return Tensor(shape: [maxLength, width], scalars: scalars)
  }

  /// `input + table[0 ..< time]`, for `input` of shape `[batch, time, width]`.
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    self(input, offset: 0)
  }

  /// `input + table[offset ..< offset + time]`: the positions of steps that follow `offset`
  /// earlier ones (generation with a key/value cache).
  ///
  /// - Precondition: `input` is `[batch, time, width]` and `offset + time <= maxLength`.
  public func callAsFunction(_ input: Variable<Scalar>, offset: Int) -> Variable<Scalar> {
    let (shape, tableShape) = (input.value.shape, table.value.shape)
    tensorPrecondition(
      shape.count == 3 && shape[2] == tableShape[1],
      layerPathPrefix(table) + "PositionalEmbedding: input of shape \(describe(shape: shape)); "
        + "expected [batch, time, \(tableShape[1])]")
    tensorPrecondition(
      offset >= 0 && offset + shape[1] <= tableShape[0],
      layerPathPrefix(table) + "PositionalEmbedding: positions \(offset)..<\(offset + shape[1]) "
        + "exceed the maximum length \(tableShape[0])")
    return AddPositions(offset: offset)(input, table)
  }

  /// The learned table; a sinusoidal layer has no parameters.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    guard encoding == .learned else { return }
    registrar.layer("positional") {
      $0.add("table", table, initializer: .normal(standardDeviation: 0.02), isLookupTable: true)
    }
  }
}
