// Multi-head attention as a layer, and the key/value cache that lets a trained model generate
// one position at a time.

/// The keys and values one `MultiHeadAttention` layer has computed so far during generation,
/// `[batch, cached, width]` each, so that a new position attends to them without recomputing
/// them.
///
/// Use one cache per attention layer and per sequence being generated; start it empty.
public struct KeyValueCache<Scalar: TensorScalar> {
  /// The keys so far, `[batch, count, width]`, or `nil` when empty.
  public private(set) var keys: Tensor<Scalar>?
  /// The values so far, `[batch, count, width]`, or `nil` when empty.
  public private(set) var values: Tensor<Scalar>?

  /// An empty cache.
  @inlinable
  public init() {}

  /// The number of positions cached.
  @inlinable
  public var count: Int { keys?.shape[1] ?? 0 }

  /// Appends the keys and values of new positions, `[batch, new, width]` each.
  ///
  /// O((count + new)·batch·width): the cached tensors are copied once into longer ones.
  ///
  /// - Returns: every key and value cached, the new ones included.
  /// - Precondition: the batch and width match those already cached.
  @discardableResult
  public mutating func append(
    keys newKeys: Tensor<Scalar>, values newValues: Tensor<Scalar>
  ) -> (keys: Tensor<Scalar>, values: Tensor<Scalar>) {
    if let keys, let values {
      tensorPrecondition(
        keys.shape[0] == newKeys.shape[0] && keys.shape[2] == newKeys.shape[2]
          && values.shape[2] == newValues.shape[2],
        "KeyValueCache: new keys \(describe(shape: newKeys.shape)) and values "
          + "\(describe(shape: newValues.shape)) do not extend the cached "
          + "\(describe(shape: keys.shape)) and \(describe(shape: values.shape))")
      self.keys = Tensor.concatenate([keys, newKeys], axis: 1)
      self.values = Tensor.concatenate([values, newValues], axis: 1)
    } else {
      keys = newKeys
      values = newValues
    }
    return (self.keys ?? newKeys, self.values ?? newValues)
  }
}

/// Multi-head self-attention (PyTorch's `nn.MultiheadAttention` with `batch_first`): query,
/// key and value projections of the input, `heads` heads of scaled dot-product attention, and
/// an output projection.
///
/// Input and output `[batch, time, width]`. Each projection is an affine map with a weight
/// `[width, width]` (as `Affine` stores it, `x·W`) and a bias `[width]` (optional), named
/// `query`, `key`, `value` and `output` under the layer's scope (`attention_0/query/W`, ...).
/// Weights start as `Affine`'s (`standard_normal / √width`), biases at 0. See
/// `ScaledDotProductAttention` for the masks and dropout.
///
/// Complexity: O(batch·time·width²) for the projections plus O(batch·time²·width) for the
/// attention, forward and backward.
public struct MultiHeadAttention<Scalar: TensorScalar>: Layer {
  /// The width of the input and output.
  public let width: Int
  /// The number of heads; it divides `width`.
  public let heads: Int
  /// Whether each position attends only to itself and earlier positions.
  public let causal: Bool
  /// The probability of dropping an attention weight while training, in `[0, 1)`.
  public let dropoutRate: Double
  /// The projections' weights, `[width, width]` each, in the order query, key, value, output.
  public let weights: [Variable<Scalar>]
  /// The projections' biases, `[width]` each, or empty without biases.
  public let biases: [Variable<Scalar>]

  /// The names of the projections, in the order of `weights`.
  @usableFromInline static var projectionNames: [String] { ["query", "key", "value", "output"] }

  /// Creates the layer and draws its parameters from `seed`.
  ///
  /// - Precondition: `width` and `heads` are positive, `heads` divides `width`, and
  ///   `dropoutRate` is in `[0, 1)`.
  @inlinable
  public init(
    width: Int, heads: Int, causal: Bool = false, bias: Bool = true, dropoutRate: Double = 0,
    seed: UInt64 = 0
  ) {
    tensorPrecondition(
      width > 0 && heads > 0 && width % heads == 0,
      "MultiHeadAttention: \(heads) heads do not divide a width of \(width)")
    tensorPrecondition(
      dropoutRate >= 0 && dropoutRate < 1,
      "MultiHeadAttention: dropout rate \(dropoutRate) is outside [0, 1)")
    self.width = width
    self.heads = heads
    self.causal = causal
    self.dropoutRate = dropoutRate
    weights = Self.projectionNames.map { Variable(.zeros(shape: [width, width]), name: $0 + "/W") }
    biases =
      bias ? Self.projectionNames.map { Variable(.zeros(shape: [width]), name: $0 + "/b") } : []
    initializeParameters(seed: seed)
  }

  /// Self-attention of `input`, `[batch, time, width]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    self(input, keyPaddingMask: nil, context: context)
  }

  /// Self-attention of `input`, `[batch, time, width]`, where `keyPaddingMask` (`[batch, time]`,
  /// 1 for a real position, 0 for padding) keeps every position from attending to padding.
  @inlinable
  public func callAsFunction(
    _ input: Variable<Scalar>, keyPaddingMask: Tensor<Scalar>?, context: LayerContext
  ) -> Variable<Scalar> {
    let shape = checkedShape(input.value.shape)
    let rows = input.reshaped(to: [shape[0] * shape[1], width])
    // The query, key and value projections as one map of width 3·width (their weights side by
    // side): one product each way, and the input's transpose packed once for the weights'
    // gradients. Attention reads the three as column blocks of its output.
    let weight = sideBySide(Array(weights[0..<3]), axis: 1)
    let bias = biases.isEmpty ? nil : sideBySide(Array(biases[0..<3]), axis: 0)
    let packed = rows.affine(weight, bias).reshaped(to: [shape[0], shape[1], 3 * width])
    let dropout =
      context.isTraining && dropoutRate > 0
      ? AttentionDropout(rate: dropoutRate, seed: context.generator.next()) : nil
    let attended = packed.packedAttention(
      heads: heads, causal: causal, keyPaddingMask: keyPaddingMask, dropout: dropout)
    return project(attended.reshaped(to: [shape[0] * shape[1], width]), 3, shape)
  }

  /// `parts` concatenated along `axis`: recorded when one is on a live tape (their gradients
  /// flow back through the concatenation), else a constant, as a map reading parameters that
  /// are on no tape takes them.
  @inlinable
  func sideBySide(_ parts: [Variable<Scalar>], axis: Int) -> Variable<Scalar> {
    if parts.contains(where: { $0.liveTape != nil }) { return .concatenate(parts, axis: axis) }
    return Variable(.concatenate(parts.map { $0.value }, axis: axis), trainable: false)
  }

  /// Projection `index` of `rows` (`[batch·time, width]`), reshaped to `shape`.
  @inlinable
  func project(_ rows: Variable<Scalar>, _ index: Int, _ shape: [Int]) -> Variable<Scalar> {
    rows.affine(weights[index], biases.isEmpty ? nil : biases[index]).reshaped(to: shape)
  }

  /// `shape`, after checking that it is `[batch, time, width]`.
  @inlinable
  func checkedShape(_ shape: [Int]) -> [Int] {
    tensorPrecondition(
      shape.count == 3 && shape[2] == width,
      layerPathPrefix(weights[0]) + "MultiHeadAttention: input of shape \(describe(shape: shape)) "
        + "does not fit a layer of width \(width); expected [batch, time, \(width)]")
    return shape
  }

  /// Projection `index` of `rows` (`[batch·time, width]`) on tensors, by the operation the
  /// recorded path uses, reshaped to `shape`.
  @inlinable
  func project(_ rows: Tensor<Scalar>, _ index: Int, _ shape: [Int]) -> Tensor<Scalar> {
    AffineTransform(activation: .identity).forwardSaving(
      AffineInputs(
        input: rows, weight: weights[index].value,
        bias: biases.isEmpty ? nil : biases[index].value)
    ).outputs.reshaped(to: shape)
  }

  /// The outputs for new positions during generation (inference, nothing recorded): appends
  /// the keys and values of `input`, `[batch, new, width]`, to `cache`, then attends each new
  /// position to every cached position up to itself (causally, whatever `causal` says, as
  /// generation needs), giving `[batch, new, width]`.
  ///
  /// Feeding a sequence in pieces gives the rows of one causal forward pass over the whole
  /// sequence, up to rounding (the products run on shorter operands). A step of one position
  /// costs O(batch·width²) for the projections plus O(batch·cached·width) for the attention and
  /// the cache's copy, rather than a whole window's.
  ///
  /// - Precondition: `input` is `[batch, new, width]` and fits the cache's batch.
  @inlinable
  public func callAsFunction(
    _ input: Tensor<Scalar>, cache: inout KeyValueCache<Scalar>
  ) -> Tensor<Scalar> {
    let shape = checkedShape(input.shape)
    let rows = input.reshaped(to: [shape[0] * shape[1], width])
    let (keys, values) = cache.append(
      keys: project(rows, 1, shape), values: project(rows, 2, shape))
    let attended = project(rows, 0, shape).attention(
      key: keys, value: values, heads: heads, causal: true)
    return project(attended.reshaped(to: [shape[0] * shape[1], width]), 3, shape)
  }

  /// The projections' weights and biases, as `query/W`, `query/b`, `key/W`, ... in one
  /// `attention` scope.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("attention") { scope in
      for (index, name) in Self.projectionNames.enumerated() {
        scope.add(name + "/W", weights[index], initializer: .scaledNormal(fanIn: width))
        if !biases.isEmpty { scope.add(name + "/b", biases[index], initializer: .constant(0)) }
      }
    }
  }
}
