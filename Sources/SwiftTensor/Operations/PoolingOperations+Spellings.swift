// The spellings of the pooling operations on tensors and on variables. Inputs are channel-first
// as PyTorch's: NCW `[batch, channels, width]` for 1-D, NCHW `[batch, channels, height, width]`
// for 2-D. A `stride` of `nil` is the kernel size.

extension Tensor {
  /// Max pooling of NCW `[batch, channels, width]` to `[batch, channels, outWidth]`,
  /// `outWidth = floor((width + 2·padding − kernelSize) / stride) + 1`; see `MaxPooling`.
  @inlinable
  public func maxPool1D(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    MaxPooling(kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding])
      .forwardSaving(self).outputs
  }

  /// Max pooling of NCHW `[batch, channels, height, width]` with a square window, to
  /// `[batch, channels, outHeight, outWidth]` (PyTorch's output size); see `MaxPooling`.
  @inlinable
  public func maxPool2D(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    MaxPooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding]
    ).forwardSaving(self).outputs
  }

  /// Average pooling of NCW `[batch, channels, width]` to `[batch, channels, outWidth]`;
  /// `countIncludingPadding` is PyTorch's `count_include_pad`; see `AveragePooling`.
  @inlinable
  public func avgPool1D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) -> Tensor {
    AveragePooling(
      kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding],
      countIncludingPadding: countIncludingPadding
    ).forward(self)
  }

  /// Average pooling of NCHW `[batch, channels, height, width]` with a square window, to
  /// `[batch, channels, outHeight, outWidth]`; see `AveragePooling`.
  @inlinable
  public func avgPool2D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) -> Tensor {
    AveragePooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding], countIncludingPadding: countIncludingPadding
    ).forward(self)
  }

  /// The mean of each plane of NCHW `[batch, channels, height, width]`: `[batch, channels]`;
  /// see `GlobalAveragePooling2D`.
  @inlinable
  public func globalAvgPool2D() -> Tensor { GlobalAveragePooling2D().forward(self) }
}

// Each records one operation.
extension Variable {
  /// Max pooling of NCW `[batch, channels, width]`; see `MaxPooling` (gradient to each
  /// window's first arg-max).
  @inlinable
  public consuming func maxPool1D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0
  )
    -> Variable
  {
    MaxPooling(kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding])
      .apply(to: self)
  }

  /// Max pooling of NCHW `[batch, channels, height, width]` with a square window; see
  /// `MaxPooling`.
  @inlinable
  public consuming func maxPool2D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0
  )
    -> Variable
  {
    MaxPooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding]
    ).apply(to: self)
  }

  /// Average pooling of NCW `[batch, channels, width]`; see `AveragePooling`.
  @inlinable
  public consuming func avgPool1D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) -> Variable {
    AveragePooling(
      kernelSize: [kernelSize], stride: stride.map { [$0] }, padding: [padding],
      countIncludingPadding: countIncludingPadding)(self)
  }

  /// Average pooling of NCHW `[batch, channels, height, width]` with a square window; see
  /// `AveragePooling`.
  @inlinable
  public consuming func avgPool2D(
    kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludingPadding: Bool = true
  ) -> Variable {
    AveragePooling(
      kernelSize: [kernelSize, kernelSize], stride: stride.map { [$0, $0] },
      padding: [padding, padding], countIncludingPadding: countIncludingPadding)(self)
  }

  /// The mean of each plane of NCHW `[batch, channels, height, width]`: `[batch, channels]`;
  /// see `GlobalAveragePooling2D`.
  @inlinable
  public consuming func globalAvgPool2D() -> Variable { GlobalAveragePooling2D()(self) }
}
