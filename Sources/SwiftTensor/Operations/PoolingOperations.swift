// Pooling over the spatial axes of channel-first tensors, laid out as PyTorch's (NCW for 1-D,
// NCHW for 2-D) so that PyTorch models and weights map directly. Max and average pooling share
// their window (`PoolingWindow`: kernel size, stride and padding along one or two axes); the
// loops are in `Kernels/PoolingKernels.swift`. The layers are in `Layers/PoolingLayers.swift`.

/// The window of a pooling operation along its spatial axes: one axis (width) for NCW input,
/// two (height, width) for NCHW input, as PyTorch's `kernel_size`, `stride` and `padding`.
///
/// Along an axis of size `L`, the output has `floor((L + 2·padding − kernel) / stride) + 1`
/// positions (PyTorch's formula, `ceil_mode=False`; dilation is not supported).
public struct PoolingWindow: Sendable, Equatable {
  /// The window's size along each spatial axis.
  public let kernelSize: [Int]
  /// The step between windows along each spatial axis.
  public let stride: [Int]
  /// The implicit padding on each side of each spatial axis.
  public let padding: [Int]
  /// The operation's name in messages (`maxPool2D`, `avgPool1D`).
  @usableFromInline let operation: String

  /// Checks and keeps the settings; `stride` defaults to `kernelSize`, `padding` to zeros.
  ///
  /// - Precondition: one or two axes, the same count for each setting; kernel sizes and
  ///   strides positive; `0 ≤ padding ≤ kernel / 2` (PyTorch's rule, which leaves every window
  ///   at least one input scalar).
  @usableFromInline
  init(kernelSize: [Int], stride: [Int]?, padding: [Int]?, operation kind: String) {
    let operation = kind + (kernelSize.count == 1 ? "1D" : "2D")
    let stride = stride ?? kernelSize
    let padding = padding ?? kernelSize.map { _ in 0 }
    tensorPrecondition(
      (1...2).contains(kernelSize.count) && stride.count == kernelSize.count
        && padding.count == kernelSize.count,
      "\(operation): kernel size \(describe(shape: kernelSize)), stride "
        + "\(describe(shape: stride)) and padding \(describe(shape: padding)) must each have one "
        + "entry per spatial axis (1 or 2)")
    tensorPrecondition(
      kernelSize.allSatisfy { $0 > 0 },
      "\(operation): kernel size \(describe(shape: kernelSize)) must be positive")
    tensorPrecondition(
      stride.allSatisfy { $0 > 0 },
      "\(operation): stride \(describe(shape: stride)) must be positive")
    tensorPrecondition(
      zip(padding, kernelSize).allSatisfy { $0 >= 0 && $0 <= $1 / 2 },
      "\(operation): padding \(describe(shape: padding)) must be between 0 and half the kernel "
        + "size \(describe(shape: kernelSize)) (padding ≤ kernel / 2, as PyTorch)")
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.operation = operation
  }

  /// The layout the input must have, for messages.
  var layout: String {
    kernelSize.count == 1
      ? "rank 3, NCW [batch, channels, width]" : "rank 4, NCHW [batch, channels, height, width]"
  }

  /// The geometry of pooling a tensor of `shape`, checked: the rank is `2 + spatial axes` and
  /// the kernel fits in the padded input.
  @usableFromInline
  func geometry(for shape: [Int]) -> PoolingGeometry {
    let axes = kernelSize.count
    tensorPrecondition(
      shape.count == axes + 2,
      "\(operation): input of shape \(describe(shape: shape)); expected \(layout)")
    let spatial = Array(shape.suffix(axes))
    let padded = zip(spatial, padding).map { $0 + 2 * $1 }
    tensorPrecondition(
      zip(padded, kernelSize).allSatisfy { $0 >= $1 },
      "\(operation): kernel size \(describe(shape: kernelSize)) is larger than the padded input "
        + "\(describe(shape: padded)) (input \(describe(shape: shape)), padding "
        + "\(describe(shape: padding)))")
    // A 1-D window is a 2-D one of height 1 over planes of height 1.
    let two = { (values: [Int], one: Int) in axes == 1 ? [one] + values : values }
    let (size, kernel) = (two(spatial, 1), two(kernelSize, 1))
    let (step, pad) = (two(stride, 1), two(padding, 0))
    return PoolingGeometry(
      planes: shape[0] * shape[1], height: size[0], width: size[1],
      kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: step[0],
      strideWidth: step[1], paddingHeight: pad[0], paddingWidth: pad[1])
  }

  /// The output's shape for an input of `shape` with `geometry`.
  @usableFromInline
  func outputShape(_ shape: [Int], _ geometry: PoolingGeometry) -> [Int] {
    kernelSize.count == 1
      ? [shape[0], shape[1], geometry.outputWidth]
      : [shape[0], shape[1], geometry.outputHeight, geometry.outputWidth]
  }
}

/// Max pooling, 1-D over NCW input `[batch, channels, width]` or 2-D over NCHW input
/// `[batch, channels, height, width]` (PyTorch's `MaxPool1d`/`MaxPool2d`): the largest scalar of
/// each window; the output is `[batch, channels, outWidth]` or `[batch, channels, outHeight,
/// outWidth]`, each `out = floor((L + 2·padding − kernel) / stride) + 1`.
///
/// The padding is implicit −∞, so it is never the maximum. Derivative: `dy` to the arg-max of
/// each window (summed where windows overlap), 0 elsewhere. Ties go to the first scalar in
/// row-major window order; a NaN propagates. Forward keeps the arg-max offsets (one `Int` per
/// output scalar) so that backward is one scatter pass.
///
/// - Complexity: forward O(output size · kernel size), backward O(input size + output size).
public struct MaxPooling<Scalar: TensorScalar>: DifferentiableOperation {
  /// The window: one axis for NCW input, two for NCHW.
  public let window: PoolingWindow
  /// Creates the operation; `stride` defaults to `kernelSize` and `padding` to zeros, with one
  /// entry per spatial axis (`[width]` or `[height, width]`).
  ///
  /// - Precondition: see `PoolingWindow`: positive kernel and stride, `padding ≤ kernel / 2`.
  @inlinable
  public init(kernelSize: [Int], stride: [Int]? = nil, padding: [Int]? = nil) {
    window = PoolingWindow(
      kernelSize: kernelSize, stride: stride, padding: padding, operation: "maxPool")
  }
  /// The maxima, and the flat offsets in the input they were read from.
  @inlinable
  public func forwardSaving(_ x: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: [Int]) {
    let geometry = window.geometry(for: x.shape)
    let shape = window.outputShape(x.shape, geometry)
    let count = Tensor<Scalar>.elementCount(of: shape, operation: window.operation)
    var offsets: [Int] = []
    let y = Tensor<Scalar>(shape: shape, operation: window.operation) { destination in
      offsets = [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
        if let base = buffer.baseAddress {
          Scalar._poolingKernel(.maxPool(destination, base, x.baseAddress, geometry))
        }
        initialized = count
      }
    }
    return (y, offsets)
  }
  /// `dy` scattered into a zero tensor of the input's shape at the arg-max offsets.
  @inlinable
  public func backward(
    inputs x: Tensor<Scalar>, outputs y: Tensor<Scalar>, saved offsets: [Int],
    gradients dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    Tensor.zeros(shape: x.shape).scatteringAdd(dy, offsets: offsets)
  }
}

/// Average pooling, 1-D over NCW input `[batch, channels, width]` or 2-D over NCHW input
/// `[batch, channels, height, width]` (PyTorch's `AvgPool1d`/`AvgPool2d`): the mean of each
/// window, padding read as zeros; output shape as `MaxPooling`.
///
/// `countIncludingPadding` is PyTorch's `count_include_pad` (default `true`: every mean divides
/// by the kernel's size); `false` divides by the number of input scalars the window covers.
/// Both are supported; `divisor_override` and `ceil_mode` are not. Derivative: each output's
/// `dy / divisor` added to every input scalar of its window.
///
/// - Complexity: O(input size + output size · kernel size) each way.
public struct AveragePooling<Scalar: TensorScalar>: UnaryOperation {
  /// The window: one axis for NCW input, two for NCHW.
  public let window: PoolingWindow
  /// Whether padding counts in each mean's divisor (PyTorch's `count_include_pad`).
  public let countIncludingPadding: Bool
  /// Creates the operation; `stride` defaults to `kernelSize` and `padding` to zeros, with one
  /// entry per spatial axis (`[width]` or `[height, width]`).
  ///
  /// - Precondition: see `PoolingWindow`: positive kernel and stride, `padding ≤ kernel / 2`.
  @inlinable
  public init(
    kernelSize: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
    countIncludingPadding: Bool = true
  ) {
    window = PoolingWindow(
      kernelSize: kernelSize, stride: stride, padding: padding, operation: "avgPool")
    self.countIncludingPadding = countIncludingPadding
  }
  /// The mean of each window.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    let geometry = window.geometry(for: x.shape)
    return Tensor(shape: window.outputShape(x.shape, geometry), operation: window.operation) {
      Scalar._poolingKernel(.averagePool($0, x.baseAddress, geometry, countIncludingPadding))
    }
  }
  /// Each output's share of `dy` spread over its window.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let geometry = window.geometry(for: x.shape)
    return Tensor(shape: x.shape, operation: window.operation) {
      Scalar._poolingKernel(
        .averagePoolBackward($0, dy.baseAddress, geometry, countIncludingPadding))
    }
  }
}

/// Global average pooling over NCHW input `[batch, channels, height, width]`: the mean of each
/// channel's `height × width` plane, giving `[batch, channels]` (PyTorch's
/// `AdaptiveAvgPool2d(1)` followed by `flatten(1)`). Derivative: `dy / (height·width)` spread
/// over each plane. O(input size) each way.
public struct GlobalAveragePooling2D<Scalar: TensorScalar>: UnaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// The mean of each plane.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    checkShape(x.shape)
    return x.mean(axes: [2, 3])
  }
  /// `dy / (height·width)` repeated over each plane.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: consuming Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let shape = x.shape
    return dy.reshaped(to: [shape[0], shape[1], 1, 1]).broadcasted(to: shape)
      / Scalar(shape[2] * shape[3])
  }

  @usableFromInline
  func checkShape(_ shape: [Int]) {
    tensorPrecondition(
      shape.count == 4,
      "globalAvgPool2D: input of shape \(describe(shape: shape)); expected rank 4, NCHW "
        + "[batch, channels, height, width]")
    tensorPrecondition(
      shape[2] > 0 && shape[3] > 0,
      "globalAvgPool2D: input of shape \(describe(shape: shape)) has an empty plane to average")
  }
}
