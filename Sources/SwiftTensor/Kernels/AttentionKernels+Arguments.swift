// What the attention kernels take: the sizes and settings of one call, and its pointers.

/// The sizes and settings of a scaled dot-product attention: `batch · heads` independent
/// (batch, head) pairs, each attending `timeQ` queries to `timeK` keys.
///
/// Queries and keys are rows of `heads · headDim` scalars, values and outputs rows of
/// `heads · valueDim`; head `h` reads the column block `h·headDim ..< (h + 1)·headDim`. The rows
/// of the inputs and of their gradients may lie further apart than their widths
/// (`queryStride`, `valueStride`): query, key and value as column blocks of one projection's
/// output. Outputs and their gradient are rows of exactly `valueWidth`.
@usableFromInline
struct AttentionLayout: Sendable, Equatable {
  @usableFromInline var batch: Int
  @usableFromInline var heads: Int
  @usableFromInline var timeQ: Int
  @usableFromInline var timeK: Int
  @usableFromInline var headDim: Int
  @usableFromInline var valueDim: Int
  /// The factor of `Q·Kᵀ`.
  @usableFromInline var scale: Double
  /// Whether query `i` sees only keys `j ≤ i + timeK - timeQ`.
  @usableFromInline var causal: Bool
  /// The probability of dropping an attention weight (0: no dropout).
  @usableFromInline var dropoutRate: Double
  /// The seed of the dropout decisions.
  @usableFromInline var dropoutSeed: UInt64
  /// The row stride of queries, keys and their gradients.
  @usableFromInline var queryStride: Int
  /// The row stride of values and their gradient.
  @usableFromInline var valueStride: Int

  @inlinable
  init(
    batch: Int, heads: Int, timeQ: Int, timeK: Int, headDim: Int, valueDim: Int, scale: Double,
    causal: Bool, dropoutRate: Double, dropoutSeed: UInt64, queryStride: Int? = nil,
    valueStride: Int? = nil
  ) {
    self.batch = batch
    self.heads = heads
    self.timeQ = timeQ
    self.timeK = timeK
    self.headDim = headDim
    self.valueDim = valueDim
    self.scale = scale
    self.causal = causal
    self.dropoutRate = dropoutRate
    self.dropoutSeed = dropoutSeed
    self.queryStride = queryStride ?? heads * headDim
    self.valueStride = valueStride ?? heads * valueDim
  }

  /// The width of queries and keys.
  @inlinable var queryWidth: Int { heads * headDim }
  /// The width of values, and the row stride of outputs and their gradient.
  @inlinable var valueWidth: Int { heads * valueDim }

  /// The number of keys query `i` may see before the padding mask: all of them, or with
  /// `causal` those up to `i + timeK - timeQ` (none when that is negative).
  @inline(__always)
  func visibleKeys(_ i: Int) -> Int {
    causal ? Swift.min(timeK, Swift.max(0, i + timeK - timeQ + 1)) : timeK
  }

  /// The factor dropout applies to weight `(pair, i, j)`: 0 (dropped) or `1/(1 - rate)`.
  ///
  /// The decision is a hash (SplitMix64's finaliser) of the seed and the weight's flat index
  /// in `[batch, heads, timeQ, timeK]`, so the forward and backward passes make the same
  /// decisions, whatever the thread count, without storing a mask. O(1).
  @inline(__always)
  func dropoutFactor<S: TensorScalar>(pair: Int, _ i: Int, _ j: Int) -> S {
    let index = UInt64((pair * timeQ + i) * timeK + j)
    var z = dropoutSeed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    let uniform = Double(z >> 11) * 0x1p-53
    return uniform >= dropoutRate ? S(1 / (1 - dropoutRate)) : 0
  }
}

/// The pointers of one attention pass. The forward pass writes `output` and `probabilities`;
/// the backward pass (when `outputGradient` is set) reads `probabilities` and writes the
/// gradients that are not `nil`, which must start at zero.
@usableFromInline
struct AttentionKernel<S: TensorScalar> {
  @usableFromInline let layout: AttentionLayout
  @usableFromInline let query: UnsafePointer<S>
  @usableFromInline let key: UnsafePointer<S>
  @usableFromInline let value: UnsafePointer<S>
  /// `[batch, timeK]`: 0 masks a key, any other value lets it be attended.
  @usableFromInline let keyMask: UnsafePointer<S>?
  /// `[batch, heads, timeQ, timeK]`, the softmax weights before dropout.
  @usableFromInline let probabilities: UnsafeMutablePointer<S>
  @usableFromInline let output: UnsafeMutablePointer<S>?
  @usableFromInline let outputGradient: UnsafePointer<S>?
  @usableFromInline let queryGradient: UnsafeMutablePointer<S>?
  @usableFromInline let keyGradient: UnsafeMutablePointer<S>?
  @usableFromInline let valueGradient: UnsafeMutablePointer<S>?

  @inlinable
  init(
    layout: AttentionLayout, query: UnsafePointer<S>, key: UnsafePointer<S>,
    value: UnsafePointer<S>, keyMask: UnsafePointer<S>?, probabilities: UnsafeMutablePointer<S>,
    output: UnsafeMutablePointer<S>? = nil, outputGradient: UnsafePointer<S>? = nil,
    queryGradient: UnsafeMutablePointer<S>? = nil, keyGradient: UnsafeMutablePointer<S>? = nil,
    valueGradient: UnsafeMutablePointer<S>? = nil
  ) {
    self.layout = layout
    self.query = query
    self.key = key
    self.value = value
    self.keyMask = keyMask
    self.probabilities = probabilities
    self.output = output
    self.outputGradient = outputGradient
    self.queryGradient = queryGradient
    self.keyGradient = keyGradient
    self.valueGradient = valueGradient
  }
}

extension TensorScalar {
  /// Runs an attention pass: in specialised code one direct call to the entry point compiled
  /// for `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _attentionKernel(_ kernel: AttentionKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.attention(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.attention(reinterpret(kernel))
    } else {
      GenericKernels.attention(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func attention(_ kernel: AttentionKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func attention(_ kernel: AttentionKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func attention<S: TensorScalar>(_ kernel: AttentionKernel<S>) { kernel.run() }
}
