// Parameter-free pooling layers over channel-first input, as PyTorch's: NCW
// `[batch, channels, width]` for the 1-D layers, NCHW `[batch, channels, height, width]` for the
// 2-D ones. Each holds its operation, checked once when the layer is created.

/// Max pooling of NCW `[batch, channels, width]` (PyTorch's `MaxPool1d`); see `MaxPooling`.
public struct MaxPool1D<Scalar: TensorScalar>: Layer {
  /// The operation the layer runs.
  public let operation: MaxPooling<Scalar>
  /// Creates the layer; `stride` defaults to `kernelSize`.
  @inlinable
  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    operation = MaxPooling(
      kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding])
  }
  /// `[batch, channels, outWidth]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    operation.apply(to: input)
  }
}

/// Max pooling of NCHW `[batch, channels, height, width]` with a square window (PyTorch's
/// `MaxPool2d`); see `MaxPooling`.
public struct MaxPool2D<Scalar: TensorScalar>: Layer {
  /// The operation the layer runs.
  public let operation: MaxPooling<Scalar>
  /// Creates the layer; `stride` defaults to `kernelSize`.
  @inlinable
  public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    operation = MaxPooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding])
  }
  /// `[batch, channels, outHeight, outWidth]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    operation.apply(to: input)
  }
}

/// Average pooling of NCW `[batch, channels, width]` (PyTorch's `AvgPool1d`); see
/// `AveragePooling`.
public struct AvgPool1D<Scalar: TensorScalar>: Layer {
  /// The operation the layer runs.
  public let operation: AveragePooling<Scalar>
  /// Creates the layer; `stride` defaults to `kernelSize`; `countIncludingPadding` is
  /// PyTorch's `count_include_pad`.
  @inlinable
  public init(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) {
    operation = AveragePooling(
      kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding],
      countIncludingPadding: countIncludingPadding)
  }
  /// `[batch, channels, outWidth]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    operation(input)
  }
}

/// Average pooling of NCHW `[batch, channels, height, width]` with a square window (PyTorch's
/// `AvgPool2d`); see `AveragePooling`.
public struct AvgPool2D<Scalar: TensorScalar>: Layer {
  /// The operation the layer runs.
  public let operation: AveragePooling<Scalar>
  /// Creates the layer; `stride` defaults to `kernelSize`; `countIncludingPadding` is
  /// PyTorch's `count_include_pad`.
  @inlinable
  public init(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) {
    operation = AveragePooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding], countIncludingPadding: countIncludingPadding)
  }
  /// `[batch, channels, outHeight, outWidth]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    operation(input)
  }
}

/// The mean of each channel's plane: NCHW `[batch, channels, height, width]` to
/// `[batch, channels]`; see `GlobalAveragePooling2D`.
public struct GlobalAvgPool2D<Scalar: TensorScalar>: Layer {
  /// Creates the layer.
  @inlinable
  public init() {}
  /// `[batch, channels]`.
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    input.globalAvgPool2D()
  }
}
