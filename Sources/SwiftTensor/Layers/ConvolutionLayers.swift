// The convolution layers. Their parameters are named `weight` and `bias` and laid out as
// PyTorch's (`[out, in / groups, kernel...]`), so that a PyTorch state dictionary's tensors map
// onto them by name (docs/PYTORCH_WEIGHTS.md).

/// A 2-D convolution layer (PyTorch's `nn.Conv2d`): `weight` `[outChannels, inChannels /
/// groups, kernelHeight, kernelWidth]` and `bias` `[outChannels]` (optional), applied by
/// `Variable.conv2d`.
///
/// Input `[batch, inChannels, height, width]`, output `[batch, outChannels, outHeight,
/// outWidth]` (see `ConvolutionSettings`). The weight and bias start uniform in
/// `±1/√(inChannels / groups · kernelHeight · kernelWidth)`, PyTorch's default.
public struct Conv2D<Scalar: TensorScalar>: Layer {
  /// Stride, padding, dilation and groups.
  public let settings: ConvolutionSettings
  /// The kernels, `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`.
  public let weight: Variable<Scalar>
  /// The bias, `[outChannels]`, or `nil` without bias.
  public let bias: Variable<Scalar>?
  /// The activation computed in the same operation (`.identity`: none); `activation: .relu`
  /// gives the values and gradients of the layer followed by `Relu()`, one operation fewer.
  public let activation: FusedActivation

  /// Creates the layer with a square kernel and the same stride and dilation along both axes,
  /// and draws its parameters from `seed`.
  ///
  /// - Precondition: positive channel counts and kernel size, `groups` dividing both channel
  ///   counts, and the settings' own conditions (`ConvolutionSettings`).
  @inlinable
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
    padding: ConvolutionPadding = .valid, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
    activation: FusedActivation = .identity, seed: UInt64 = 0
  ) {
    self.init(
      inChannels, outChannels, kernelSize: [kernelSize, kernelSize], stride: [stride],
      padding: padding, dilation: [dilation], groups: groups, bias: bias, activation: activation,
      seed: seed)
  }

  /// Creates the layer with `[height, width]` kernel sizes (and one or two strides and
  /// dilations), and draws its parameters from `seed`.
  ///
  /// - Precondition: as the square initialiser.
  @inlinable
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: [Int], stride: [Int] = [1],
    padding: ConvolutionPadding = .valid, dilation: [Int] = [1], groups: Int = 1,
    bias: Bool = true, activation: FusedActivation = .identity, seed: UInt64 = 0
  ) {
    self.activation = activation
    settings = ConvolutionSettings(
      spatialAxes: 2, stride: stride, padding: padding, dilation: dilation, groups: groups)
    let shape = convolutionWeightShape(
      "Conv2D", inChannels, outChannels, kernelSize: kernelSize, axes: 2, groups: groups)
    weight = Variable(.zeros(shape: shape), name: "weight")
    self.bias = bias ? Variable(.zeros(shape: [outChannels]), name: "bias") : nil
    initializeParameters(seed: seed)
  }

  /// `conv2d(x, weight) + bias`
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    // The shapes are checked here so that a message names the layer's path in its model.
    _ = settings.geometry(
      input: input.value.shape, weight: weight.value.shape, bias: bias?.value.shape,
      label: layerPathPrefix(weight) + "Conv2D")
    return input.conv2d(
      weight, bias: bias, stride: settings.stride, padding: settings.padding,
      dilation: settings.dilation, groups: settings.groups, activation: activation)
  }

  /// `weight` and `bias`, uniform in `±1/√fanIn`.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registerConvolution("conv2d", weight, bias, registrar)
  }
}

/// A 1-D convolution layer (PyTorch's `nn.Conv1d`): `weight` `[outChannels, inChannels /
/// groups, kernelSize]` and `bias` `[outChannels]` (optional), applied by `Variable.conv1d`.
///
/// Input `[batch, inChannels, width]`, output `[batch, outChannels, outWidth]` (see
/// `ConvolutionSettings`). The weight and bias start uniform in
/// `±1/√(inChannels / groups · kernelSize)`, PyTorch's default.
public struct Conv1D<Scalar: TensorScalar>: Layer {
  /// Stride, padding, dilation and groups.
  public let settings: ConvolutionSettings
  /// The kernels, `[outChannels, inChannels / groups, kernelSize]`.
  public let weight: Variable<Scalar>
  /// The bias, `[outChannels]`, or `nil` without bias.
  public let bias: Variable<Scalar>?
  /// The activation computed in the same operation (`.identity`: none); `activation: .relu`
  /// gives the values and gradients of the layer followed by `Relu()`, one operation fewer.
  public let activation: FusedActivation

  /// Creates the layer and draws its parameters from `seed`.
  ///
  /// - Precondition: positive channel counts and kernel size, `groups` dividing both channel
  ///   counts, and the settings' own conditions (`ConvolutionSettings`).
  @inlinable
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
    padding: ConvolutionPadding = .valid, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
    activation: FusedActivation = .identity, seed: UInt64 = 0
  ) {
    self.activation = activation
    settings = ConvolutionSettings(
      spatialAxes: 1, stride: [stride], padding: padding, dilation: [dilation], groups: groups)
    let shape = convolutionWeightShape(
      "Conv1D", inChannels, outChannels, kernelSize: [kernelSize], axes: 1, groups: groups)
    weight = Variable(.zeros(shape: shape), name: "weight")
    self.bias = bias ? Variable(.zeros(shape: [outChannels]), name: "bias") : nil
    initializeParameters(seed: seed)
  }

  /// `conv1d(x, weight) + bias`
  @inlinable
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    _ = settings.geometry(
      input: input.value.shape, weight: weight.value.shape, bias: bias?.value.shape,
      label: layerPathPrefix(weight) + "Conv1D")
    return input.conv1d(
      weight, bias: bias, stride: settings.stride[0], padding: settings.padding,
      dilation: settings.dilation[0], groups: settings.groups, activation: activation)
  }

  /// `weight` and `bias`, uniform in `±1/√fanIn`.
  @inlinable
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registerConvolution("conv1d", weight, bias, registrar)
  }
}

/// The weight shape of a convolution layer, checking the counts with messages naming `layer`.
@usableFromInline
func convolutionWeightShape(
  _ layer: String, _ inChannels: Int, _ outChannels: Int, kernelSize: [Int], axes: Int,
  groups: Int
) -> [Int] {
  tensorPrecondition(
    inChannels > 0 && outChannels > 0,
    "\(layer): channel counts must be positive, got \(inChannels) -> \(outChannels)")
  tensorPrecondition(
    kernelSize.count == axes && kernelSize.allSatisfy { $0 > 0 },
    "\(layer): kernel size \(describe(shape: kernelSize)) must have \(axes) positive entries")
  tensorPrecondition(
    inChannels % groups == 0 && outChannels % groups == 0,
    "\(layer): \(groups) groups do not divide \(inChannels) input and \(outChannels) output "
      + "channels")
  let shape = [outChannels, inChannels / groups] + kernelSize
  _ = Tensor<Float>.elementCount(of: shape, operation: layer)
  return shape
}

/// Registers a convolution's `weight` and `bias` under `kind`, both uniform in `±1/√fanIn`
/// (PyTorch's default initialisation of `nn.Conv1d`/`nn.Conv2d`).
@inlinable
func registerConvolution<Scalar: TensorScalar>(
  _ kind: String, _ weight: Variable<Scalar>, _ bias: Variable<Scalar>?,
  _ registrar: ParameterRegistrar<Scalar>
) {
  let fanIn = weight.value.shape.dropFirst().reduce(1, *)
  let bound = 1 / Double(fanIn).squareRoot()
  registrar.layer(kind) { scope in
    scope.add("weight", weight, initializer: .uniform(bound: bound))
    if let bias { scope.add("bias", bias, initializer: .uniform(bound: bound)) }
  }
}
