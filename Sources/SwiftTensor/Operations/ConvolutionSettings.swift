// The settings of a convolution and the checks that turn them, with an input's and a weight's
// shapes, into the geometry its kernels run over.

/// How a convolution pads its input, as PyTorch's `padding` argument.
///
/// An integer literal pads every spatial axis by that much on each side (`padding: 1`).
public enum ConvolutionPadding: Sendable, Equatable, ExpressibleByIntegerLiteral {
  /// No padding (PyTorch's `"valid"`).
  case valid
  /// The output keeps the input's spatial size (PyTorch's `"same"`, stride 1 only): a total of
  /// `dilation·(kernel − 1)` zeros per axis, the odd one after the input (right or bottom).
  case same
  /// Zeros on each side of each spatial axis, one entry per axis (`[width]` or
  /// `[height, width]`), or one entry for all of them.
  case explicit([Int])

  /// Pads every spatial axis by `value` on each side.
  @inlinable
  public init(integerLiteral value: Int) { self = .explicit([value]) }
}

/// The settings of a 1-D or 2-D convolution: stride, padding, dilation and groups, as
/// PyTorch's `conv1d`/`conv2d` take them.
///
/// Layout, everywhere: channel first. Input `[batch, inChannels, width]` (1-D) or
/// `[batch, inChannels, height, width]` (2-D); weight `[outChannels, inChannels / groups,
/// kernelWidth]` or `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`; output
/// `[batch, outChannels, outWidth]` or `[batch, outChannels, outHeight, outWidth]`, each
/// `out = floor((L + padBefore + padAfter − dilation·(kernel − 1) − 1) / stride) + 1`.
/// PyTorch's tensors and weights therefore map without reshuffling.
public struct ConvolutionSettings: Sendable, Equatable {
  /// The spatial axes: 1 for `conv1d`, 2 for `conv2d`.
  public let spatialAxes: Int
  /// The step between windows along each spatial axis.
  public let stride: [Int]
  /// The implicit zero padding.
  public let padding: ConvolutionPadding
  /// The spacing between kernel taps along each spatial axis (1: adjacent).
  public let dilation: [Int]
  /// The number of groups the channels are split into: each output channel reads only the
  /// `inChannels / groups` input channels of its group (`groups == inChannels` is depthwise).
  public let groups: Int

  /// Checks and keeps the settings; a one-entry `stride` or `dilation` applies to every axis.
  ///
  /// - Precondition: one or two spatial axes; strides, dilations and groups positive;
  ///   padding not negative; `.same` only with stride 1.
  @inlinable
  public init(
    spatialAxes: Int, stride: [Int] = [1], padding: ConvolutionPadding = .valid,
    dilation: [Int] = [1], groups: Int = 1
  ) {
    let operation = "conv\(spatialAxes)d"
    tensorPrecondition(
      spatialAxes == 1 || spatialAxes == 2,
      "convolution: \(spatialAxes) spatial axes; conv1d has 1 and conv2d 2")
    func perAxis(_ values: [Int], _ name: String) -> [Int] {
      tensorPrecondition(
        values.count == 1 || values.count == spatialAxes,
        "\(operation): \(name) \(describe(shape: values)) must have one entry or one per "
          + "spatial axis (\(spatialAxes))")
      return values.count == 1 ? Array(repeating: values[0], count: spatialAxes) : values
    }
    self.spatialAxes = spatialAxes
    self.stride = perAxis(stride, "stride")
    self.dilation = perAxis(dilation, "dilation")
    tensorPrecondition(
      self.stride.allSatisfy { $0 > 0 },
      "\(operation): stride \(describe(shape: self.stride)) must be positive")
    tensorPrecondition(
      self.dilation.allSatisfy { $0 > 0 },
      "\(operation): dilation \(describe(shape: self.dilation)) must be positive")
    tensorPrecondition(groups > 0, "\(operation): groups \(groups) must be positive")
    switch padding {
    case .explicit(let values):
      let values = perAxis(values, "padding")
      tensorPrecondition(
        values.allSatisfy { $0 >= 0 },
        "\(operation): padding \(describe(shape: values)) must not be negative")
      self.padding = .explicit(values)
    case .same:
      tensorPrecondition(
        self.stride.allSatisfy { $0 == 1 },
        "\(operation): padding .same needs stride 1, not \(describe(shape: self.stride)) "
          + "(as PyTorch)")
      self.padding = padding
    case .valid:
      self.padding = padding
    }
    self.groups = groups
  }

  /// The operation's name in messages.
  @usableFromInline
  var operation: String { "conv\(spatialAxes)d" }

  /// The padding before and after each spatial axis for a kernel of `kernel` taps.
  func padding(kernel: [Int]) -> (before: [Int], after: [Int]) {
    switch padding {
    case .valid: return (kernel.map { _ in 0 }, kernel.map { _ in 0 })
    case .explicit(let values): return (values, values)
    case .same:
      let total = zip(kernel, dilation).map { $1 * ($0 - 1) }
      return (total.map { $0 / 2 }, total.map { $0 - $0 / 2 })
    }
  }

  /// The geometry of convolving `input` with `weight` (and a bias of `bias` shape), checking
  /// every shape against the layout and the settings; messages start with `label` (a layer's
  /// path and name) or the operation's name.
  @usableFromInline
  func geometry(
    input: [Int], weight: [Int], bias: [Int]?, label: String? = nil
  ) -> ConvolutionGeometry {
    let operation = label ?? self.operation
    let rank = spatialAxes + 2
    let layout =
      spatialAxes == 1
      ? "rank 3, NCW [batch, channels, width]" : "rank 4, NCHW [batch, channels, height, width]"
    tensorPrecondition(
      input.count == rank,
      "\(operation): input of shape \(describe(shape: input)); expected \(layout)")
    tensorPrecondition(
      weight.count == rank,
      "\(operation): weight of shape \(describe(shape: weight)); expected rank \(rank), "
        + (spatialAxes == 1
          ? "[outChannels, inChannels / groups, kernelWidth]"
          : "[outChannels, inChannels / groups, kernelHeight, kernelWidth]"))
    let (inChannels, outChannels) = (input[1], weight[0])
    tensorPrecondition(
      inChannels % groups == 0 && outChannels % groups == 0,
      "\(operation): \(groups) groups do not divide the \(inChannels) input channels and "
        + "\(outChannels) output channels (input \(describe(shape: input)), weight "
        + "\(describe(shape: weight)))")
    tensorPrecondition(
      weight[1] * groups == inChannels,
      "\(operation): input of shape \(describe(shape: input)) has \(inChannels) channels, but "
        + "the weight of shape \(describe(shape: weight)) takes \(weight[1] * groups) "
        + "(\(weight[1]) per group × \(groups) group\(groups == 1 ? "" : "s"))")
    if let bias {
      tensorPrecondition(
        bias == [outChannels],
        "\(operation): bias of shape \(describe(shape: bias)); expected [\(outChannels)], one "
          + "per output channel of the weight \(describe(shape: weight))")
    }
    let spatial = Array(input.suffix(spatialAxes))
    let kernel = Array(weight.suffix(spatialAxes))
    let (before, after) = padding(kernel: kernel)
    let padded = spatial.indices.map { spatial[$0] + before[$0] + after[$0] }
    let extent = spatial.indices.map { dilation[$0] * (kernel[$0] - 1) + 1 }
    tensorPrecondition(
      kernel.allSatisfy { $0 > 0 },
      "\(operation): weight of shape \(describe(shape: weight)) has an empty kernel "
        + "\(describe(shape: kernel)); expected at least one tap per spatial axis")
    tensorPrecondition(
      zip(padded, extent).allSatisfy { $0 >= $1 },
      "\(operation): kernel \(describe(shape: kernel)) (dilated extent "
        + "\(describe(shape: extent))) is larger than the padded input "
        + "\(describe(shape: padded)) (input \(describe(shape: input)), padding "
        + "\(describe(shape: before)) before and \(describe(shape: after)) after)")
    let output = spatial.indices.map { (padded[$0] - extent[$0]) / stride[$0] + 1 }
    // A 1-D convolution is a 2-D one of height 1.
    let two = { (values: [Int], one: Int) in spatialAxes == 1 ? [one] + values : values }
    let (size, taps, steps) = (two(spatial, 1), two(kernel, 1), two(stride, 1))
    let (spacing, top, out) = (two(dilation, 1), two(before, 0), two(output, 1))
    return ConvolutionGeometry(
      batch: input[0], inChannels: inChannels, outChannels: outChannels, groups: groups,
      height: size[0], width: size[1], kernelHeight: taps[0], kernelWidth: taps[1],
      strideHeight: steps[0], strideWidth: steps[1], dilationHeight: spacing[0],
      dilationWidth: spacing[1], paddingTop: top[0], paddingLeft: top[1],
      outputHeight: out[0], outputWidth: out[1])
  }

  /// The output's shape for a geometry.
  @usableFromInline
  func outputShape(_ g: ConvolutionGeometry) -> [Int] {
    spatialAxes == 1
      ? [g.batch, g.outChannels, g.outputWidth]
      : [g.batch, g.outChannels, g.outputHeight, g.outputWidth]
  }
}
