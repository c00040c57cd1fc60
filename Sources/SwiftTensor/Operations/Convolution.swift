// Convolution, 1-D and 2-D, lowered to the packed GEMM (`Kernels/ConvolutionKernels*.swift`):
// one kernel call forward, one backward for all three gradients.

/// The inputs of a convolution, by name: `x`, the weight and an optional bias.
public struct ConvolutionInputs<Scalar: TensorScalar>: TensorArguments {
  /// `x`: `[batch, inChannels, width]` or `[batch, inChannels, height, width]`.
  public var input: Tensor<Scalar>
  /// The kernels: `[outChannels, inChannels / groups, (kernelHeight,) kernelWidth]`.
  public var weight: Tensor<Scalar>
  /// `[outChannels]`, or `nil` for none.
  public var bias: Tensor<Scalar>?

  /// Names the inputs.
  @inlinable
  public init(input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil) {
    self.input = input
    self.weight = weight
    self.bias = bias
  }

  /// `[input, weight]`, then `bias` if there is one.
  @inlinable
  public var tensors: [Tensor<Scalar>] { bias.map { [input, weight, $0] } ?? [input, weight] }

  /// Takes `[x, W]` or `[x, W, b]`.
  @inlinable
  public init(tensors: [Tensor<Scalar>]) {
    tensorPrecondition(
      tensors.count == 2 || tensors.count == 3,
      "convolution: expected inputs [x, W] or [x, W, b], got \(tensors.count) tensors")
    self.init(input: tensors[0], weight: tensors[1], bias: tensors.count == 3 ? tensors[2] : nil)
  }
}

/// Convolution (PyTorch's `conv1d`/`conv2d`, which are cross-correlations): each output
/// channel `o` at each position is `bias[o] + Σ W[o, c, i, j] · x[c, p·stride + i·dilation −
/// padding, ...]` over the kernel taps and the `inChannels / groups` input channels of `o`'s
/// group, padding read as zeros. See `ConvolutionSettings` for the layout and output size.
///
/// Derivative: `dx` is the transposed convolution of `dy` with `W`, `dW[o, c, i, j] =
/// Σ dy[o, p] · x[c, p·stride + i·dilation − padding]` over the batch and positions, and
/// `db[o] = Σ dy[o, ·]`.
///
/// - Complexity: O(batch · outChannels · (inChannels / groups) · kernel size · output
///   positions) each way, run as matrix products; O(threads · depth · positions) temporary
///   memory for the column matrices.
public struct Convolution<Scalar: TensorScalar>: DifferentiableOperation {
  /// Stride, padding, dilation and groups.
  public let settings: ConvolutionSettings
  /// The activation applied to the output in the same operation (`.identity`: none): the
  /// values and gradients of the convolution followed by the activation, with one recorded
  /// operation, one tensor and one backward pass fewer.
  public let activation: FusedActivation

  /// Creates the operation.
  @inlinable
  public init(_ settings: ConvolutionSettings, activation: FusedActivation = .identity) {
    self.settings = settings
    tensorPrecondition(
      !activation.readsPreActivation,
      "Convolution: activation \(activation) is fused only by AffineTransform; apply GELU after "
        + "the convolution")
    self.activation = activation
  }

  /// The operation's name in messages and on the tape (`conv1d`, `conv2d`).
  @inlinable
  public var name: String { settings.operation }

  /// The geometry of `inputs`, checking every shape.
  @inlinable
  func geometry(_ inputs: ConvolutionInputs<Scalar>) -> ConvolutionGeometry {
    settings.geometry(
      input: inputs.input.shape, weight: inputs.weight.shape, bias: inputs.bias?.shape)
  }

  /// `W ⊛ x + b`.
  @inlinable
  public func forwardSaving(
    _ inputs: ConvolutionInputs<Scalar>
  ) -> (outputs: Tensor<Scalar>, saved: Void) {
    let geometry = geometry(inputs)
    var output = Tensor<Scalar>(shape: settings.outputShape(geometry), operation: name) {
      Scalar._convolutionKernel(
        .forward(
          output: $0, input: inputs.input.baseAddress, weight: inputs.weight.baseAddress,
          bias: inputs.bias.map { UnsafePointer($0.baseAddress) }, geometry))
    }
    if let kernel = activation.forwardKernel(Scalar.self) { output.formApplying(kernel) }
    return (output, ())
  }

  /// `(dx, dW, db)`, in one kernel call.
  @inlinable
  public func backward(
    inputs: ConvolutionInputs<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients dy: consuming Tensor<Scalar>
  ) -> ConvolutionInputs<Scalar> {
    backward(
      inputs: inputs, outputs: outputs, saved: saved, gradients: dy, needed: [true, true, true])
  }

  /// `(dx, dW, db)`, in one kernel call that skips the input gradient when `needed[0]` is false
  /// (a network's first layer, whose input is data): zeros stand in for it.
  @inlinable
  public func backward(
    inputs: ConvolutionInputs<Scalar>, outputs: Tensor<Scalar>, saved: Void,
    gradients dy: consuming Tensor<Scalar>, needed: [Bool]
  ) -> ConvolutionInputs<Scalar> {
    let geometry = geometry(inputs)
    var dy = dy
    // The gradient before the activation, read from the output (see `FusedActivation`).
    if let kernel = activation.backwardKernel {
      dy.formCombination(with: outputs, kernel, name: "\(name).backward")
    }
    let dw = Tensor<Scalar>.zeros(shape: inputs.weight.shape)
    let db = inputs.bias.map { Tensor<Scalar>.zeros(shape: $0.shape) }
    let run = { (dx: UnsafeMutablePointer<Scalar>?) in
      Scalar._convolutionKernel(
        .backward(
          inputGradient: dx, weightGradient: dw.baseAddress, biasGradient: db?.baseAddress,
          outputGradient: dy.baseAddress, input: inputs.input.baseAddress,
          weight: inputs.weight.baseAddress, geometry))
    }
    // Fresh tensors, written by the kernel through their base addresses.
    let dx: Tensor<Scalar>
    if needed.first ?? true {
      dx = Tensor(shape: inputs.input.shape, operation: name) { run($0) }
    } else {
      run(nil)
      dx = .zeros(shape: inputs.input.shape)
    }
    return ConvolutionInputs(input: dx, weight: dw, bias: db)
  }
}
