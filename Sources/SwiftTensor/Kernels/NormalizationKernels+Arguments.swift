// What the normalisation kernels take: the layout of the rows and the pointers of a pass.

/// How a normalisation sees its input: `rows` rows of `channels · inner` contiguous scalars;
/// row `r` uses the affine parameters `(r % groups)·channels ..< (r % groups + 1)·channels`.
@usableFromInline
struct NormalizationLayout: Sendable, Equatable {
  /// The number of rows normalised independently.
  @usableFromInline var rows: Int
  /// The number of consecutive rows whose parameters differ (one sample's rows).
  @usableFromInline var groups: Int
  /// The number of channels (affine parameters) in a row.
  @usableFromInline var channels: Int
  /// The number of scalars per channel.
  @usableFromInline var inner: Int

  @inlinable
  init(rows: Int, groups: Int, channels: Int, inner: Int) {
    self.rows = rows
    self.groups = groups
    self.channels = channels
    self.inner = inner
  }

  /// The number of scalars in a row.
  @inlinable var length: Int { channels * inner }
  /// The number of affine parameters.
  @inlinable var parameterCount: Int { groups * channels }
}

/// The pointers of one normalisation forward pass.
@usableFromInline
struct NormalizationForward<S: TensorScalar> {
  @usableFromInline let x: UnsafePointer<S>
  @usableFromInline let weight: UnsafePointer<S>?
  @usableFromInline let bias: UnsafePointer<S>?
  @usableFromInline let layout: NormalizationLayout
  @usableFromInline let epsilon: Double
  @usableFromInline let output: UnsafeMutablePointer<S>
  @usableFromInline let mean: UnsafeMutablePointer<S>
  @usableFromInline let reciprocalDeviation: UnsafeMutablePointer<S>

  @inlinable
  init(
    x: UnsafePointer<S>, weight: UnsafePointer<S>?, bias: UnsafePointer<S>?,
    layout: NormalizationLayout, epsilon: Double, output: UnsafeMutablePointer<S>,
    mean: UnsafeMutablePointer<S>, reciprocalDeviation: UnsafeMutablePointer<S>
  ) {
    self.x = x
    self.weight = weight
    self.bias = bias
    self.layout = layout
    self.epsilon = epsilon
    self.output = output
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
  }
}

/// The pointers of one normalisation backward pass; a `nil` destination is not computed. With
/// `accumulatesInputGradient`, the input's gradient is added to what `inputGradient` holds.
@usableFromInline
struct NormalizationBackward<S: TensorScalar> {
  @usableFromInline let x: UnsafePointer<S>
  @usableFromInline let outputGradient: UnsafePointer<S>
  @usableFromInline let weight: UnsafePointer<S>?
  @usableFromInline let mean: UnsafePointer<S>
  @usableFromInline let reciprocalDeviation: UnsafePointer<S>
  @usableFromInline let layout: NormalizationLayout
  @usableFromInline let inputGradient: UnsafeMutablePointer<S>?
  @usableFromInline let weightGradient: UnsafeMutablePointer<S>?
  @usableFromInline let biasGradient: UnsafeMutablePointer<S>?
  @usableFromInline let accumulatesInputGradient: Bool

  @inlinable
  init(
    x: UnsafePointer<S>, outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>?,
    mean: UnsafePointer<S>, reciprocalDeviation: UnsafePointer<S>, layout: NormalizationLayout,
    inputGradient: UnsafeMutablePointer<S>?, weightGradient: UnsafeMutablePointer<S>?,
    biasGradient: UnsafeMutablePointer<S>?, accumulatesInputGradient: Bool = false
  ) {
    self.x = x
    self.outputGradient = outputGradient
    self.weight = weight
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
    self.layout = layout
    self.inputGradient = inputGradient
    self.weightGradient = weightGradient
    self.biasGradient = biasGradient
    self.accumulatesInputGradient = accumulatesInputGradient
  }
}

/// One normalisation loop: the dispatcher takes one of these so that each scalar type needs
/// one non-generic entry point for both.
@usableFromInline
enum NormalizationKernel<S: TensorScalar> {
  /// `NormalizationKernels.forward`.
  case forward(NormalizationForward<S>)
  /// `NormalizationKernels.backward`.
  case backward(NormalizationBackward<S>)

  /// Runs the loop, compiled for `S`.
  func run() {
    switch self {
    case .forward(let arguments): NormalizationKernels.forward(arguments)
    case .backward(let arguments): NormalizationKernels.backward(arguments)
    }
  }
}
