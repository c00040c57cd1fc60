// What the batch normalisation kernels take: the layout of the input and the pointers of a pass.

/// How a batch normalisation sees its input: `batch` samples of `channels` runs of `inner`
/// contiguous scalars (`[batch, channels, inner]`); channel `c` is normalised over its
/// `batch · inner` scalars.
@usableFromInline
struct BatchNormalizationLayout: Sendable, Equatable {
  /// The number of samples (the first dimension).
  @usableFromInline var batch: Int
  /// The number of channels (the second dimension).
  @usableFromInline var channels: Int
  /// The number of scalars per channel per sample (the product of the trailing dimensions).
  @usableFromInline var inner: Int

  @inlinable
  init(batch: Int, channels: Int, inner: Int) {
    self.batch = batch
    self.channels = channels
    self.inner = inner
  }

  /// The number of scalars each channel's statistics are taken over.
  @inlinable var perChannel: Int { batch * inner }
  /// The number of scalars in one sample.
  @inlinable var sampleLength: Int { channels * inner }
}

/// The pointers of one batch normalisation forward pass. With running statistics it is the
/// evaluation mode, which normalises with them; without, the training mode, which computes the
/// batch's.
@usableFromInline
struct BatchNormalizationForward<S: TensorScalar> {
  @usableFromInline let x: UnsafePointer<S>
  @usableFromInline let weight: UnsafePointer<S>?
  @usableFromInline let bias: UnsafePointer<S>?
  @usableFromInline let runningMean: UnsafePointer<S>?
  @usableFromInline let runningVariance: UnsafePointer<S>?
  @usableFromInline let layout: BatchNormalizationLayout
  @usableFromInline let epsilon: Double
  @usableFromInline let output: UnsafeMutablePointer<S>
  @usableFromInline let mean: UnsafeMutablePointer<S>
  @usableFromInline let reciprocalDeviation: UnsafeMutablePointer<S>
  @usableFromInline let variance: UnsafeMutablePointer<S>

  @inlinable
  init(
    x: UnsafePointer<S>, weight: UnsafePointer<S>?, bias: UnsafePointer<S>?,
    runningMean: UnsafePointer<S>?, runningVariance: UnsafePointer<S>?,
    layout: BatchNormalizationLayout, epsilon: Double, output: UnsafeMutablePointer<S>,
    mean: UnsafeMutablePointer<S>, reciprocalDeviation: UnsafeMutablePointer<S>,
    variance: UnsafeMutablePointer<S>
  ) {
    self.x = x
    self.weight = weight
    self.bias = bias
    self.runningMean = runningMean
    self.runningVariance = runningVariance
    self.layout = layout
    self.epsilon = epsilon
    self.output = output
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
    self.variance = variance
  }
}

/// The pointers of one batch normalisation backward pass; a `nil` destination is not computed.
/// `training` says whether the statistics were the batch's (so they depend on `x`).
@usableFromInline
struct BatchNormalizationBackward<S: TensorScalar> {
  @usableFromInline let x: UnsafePointer<S>
  @usableFromInline let outputGradient: UnsafePointer<S>
  @usableFromInline let weight: UnsafePointer<S>?
  @usableFromInline let mean: UnsafePointer<S>
  @usableFromInline let reciprocalDeviation: UnsafePointer<S>
  @usableFromInline let layout: BatchNormalizationLayout
  @usableFromInline let training: Bool
  @usableFromInline let inputGradient: UnsafeMutablePointer<S>?
  @usableFromInline let weightGradient: UnsafeMutablePointer<S>?
  @usableFromInline let biasGradient: UnsafeMutablePointer<S>?

  @inlinable
  init(
    x: UnsafePointer<S>, outputGradient: UnsafePointer<S>, weight: UnsafePointer<S>?,
    mean: UnsafePointer<S>, reciprocalDeviation: UnsafePointer<S>,
    layout: BatchNormalizationLayout, training: Bool, inputGradient: UnsafeMutablePointer<S>?,
    weightGradient: UnsafeMutablePointer<S>?, biasGradient: UnsafeMutablePointer<S>?
  ) {
    self.x = x
    self.outputGradient = outputGradient
    self.weight = weight
    self.mean = mean
    self.reciprocalDeviation = reciprocalDeviation
    self.layout = layout
    self.training = training
    self.inputGradient = inputGradient
    self.weightGradient = weightGradient
    self.biasGradient = biasGradient
  }
}

/// One batch normalisation loop, so that each scalar type needs one non-generic entry point.
@usableFromInline
enum BatchNormalizationKernel<S: TensorScalar> {
  /// `BatchNormalizationKernels.forward`.
  case forward(BatchNormalizationForward<S>)
  /// `BatchNormalizationKernels.backward`.
  case backward(BatchNormalizationBackward<S>)

  /// Runs the loop, compiled for `S`.
  func run() {
    switch self {
    case .forward(let arguments): BatchNormalizationKernels.forward(arguments)
    case .backward(let arguments): BatchNormalizationKernels.backward(arguments)
    }
  }
}

extension TensorScalar {
  /// Runs a batch normalisation loop: in specialised code one direct call to the entry point
  /// compiled for `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _batchNormalizationKernel(_ kernel: BatchNormalizationKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.batchNormalization(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.batchNormalization(reinterpret(kernel))
    } else {
      GenericKernels.batchNormalization(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func batchNormalization(_ kernel: BatchNormalizationKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func batchNormalization(_ kernel: BatchNormalizationKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func batchNormalization<S: TensorScalar>(_ kernel: BatchNormalizationKernel<S>) {
    kernel.run()
  }
}
