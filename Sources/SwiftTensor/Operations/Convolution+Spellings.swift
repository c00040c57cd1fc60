// The spellings of `Convolution` on variables (recorded) and on tensors (computed only), with
// PyTorch's argument names and order.

extension Variable {
  /// The 1-D convolution of this `[batch, inChannels, width]` variable with `weight`
  /// `[outChannels, inChannels / groups, kernelWidth]` and an optional `bias` `[outChannels]`
  /// (PyTorch's `conv1d`), then `activation` in the same operation; see `Convolution` and
  /// `ConvolutionSettings`.
  ///
  /// - Precondition: the shapes fit the settings; the messages name `conv1d`.
  @inlinable
  public consuming func conv1d(
    _ weight: Variable, bias: Variable? = nil, stride: Int = 1,
    padding: ConvolutionPadding = .valid, dilation: Int = 1, groups: Int = 1,
    activation: FusedActivation = .identity
  ) -> Variable {
    let settings = ConvolutionSettings(
      spatialAxes: 1, stride: [stride], padding: padding, dilation: [dilation], groups: groups)
    return Convolution<Scalar>(settings, activation: activation)
      .apply(to: [self, weight] + (bias.map { [$0] } ?? []))[0]
  }

  /// The 2-D convolution of this `[batch, inChannels, height, width]` variable with `weight`
  /// `[outChannels, inChannels / groups, kernelHeight, kernelWidth]` and an optional `bias`
  /// `[outChannels]` (PyTorch's `conv2d`); `stride` and `dilation` take one entry for both axes
  /// or `[height, width]`; `activation` is applied in the same operation. See `Convolution`
  /// and `ConvolutionSettings`.
  ///
  /// - Precondition: the shapes fit the settings; the messages name `conv2d`.
  @inlinable
  public consuming func conv2d(
    _ weight: Variable, bias: Variable? = nil, stride: [Int] = [1],
    padding: ConvolutionPadding = .valid, dilation: [Int] = [1], groups: Int = 1,
    activation: FusedActivation = .identity
  ) -> Variable {
    let settings = ConvolutionSettings(
      spatialAxes: 2, stride: stride, padding: padding, dilation: dilation, groups: groups)
    return Convolution<Scalar>(settings, activation: activation)
      .apply(to: [self, weight] + (bias.map { [$0] } ?? []))[0]
  }
}

extension Tensor {
  /// The 1-D convolution of this `[batch, inChannels, width]` tensor (see
  /// `Variable.conv1d(_:bias:stride:padding:dilation:groups:)`); nothing is recorded.
  @inlinable
  public func conv1d(
    _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1,
    padding: ConvolutionPadding = .valid, dilation: Int = 1, groups: Int = 1
  ) -> Tensor {
    let settings = ConvolutionSettings(
      spatialAxes: 1, stride: [stride], padding: padding, dilation: [dilation], groups: groups)
    return Convolution(settings).forwardSaving(
      ConvolutionInputs(input: self, weight: weight, bias: bias)
    ).outputs
  }

  /// The 2-D convolution of this `[batch, inChannels, height, width]` tensor (see
  /// `Variable.conv2d(_:bias:stride:padding:dilation:groups:)`); nothing is recorded.
  @inlinable
  public func conv2d(
    _ weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1],
    padding: ConvolutionPadding = .valid, dilation: [Int] = [1], groups: Int = 1
  ) -> Tensor {
    let settings = ConvolutionSettings(
      spatialAxes: 2, stride: stride, padding: padding, dilation: dilation, groups: groups)
    return Convolution(settings).forwardSaving(
      ConvolutionInputs(input: self, weight: weight, bias: bias)
    ).outputs
  }
}
