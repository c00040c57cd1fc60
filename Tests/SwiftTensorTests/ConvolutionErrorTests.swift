import Testing

@testable import SwiftTensor

/// Bad input to the convolutions and their layers stops with a message naming the operation
/// (or the layer's path in its model), the shapes or settings given and what was expected.
@Suite struct ConvolutionErrorTests {
  @Test func wrongInputRank() async {
    let conv1d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).conv1d(.zeros(shape: [4, 3, 3]))
    }
    expectStderr(
      conv1d, "conv1d: input of shape [2, 3]; expected rank 3, NCW [batch, channels, width]")
    let conv2d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Double>()
      _ = tape.variable(.zeros(shape: [1, 3, 5])).conv2d(
        tape.variable(.zeros(shape: [4, 3, 3, 3])))
    }
    expectStderr(
      conv2d,
      "conv2d: input of shape [1, 3, 5]; expected rank 4, NCHW [batch, channels, height, width]")
  }

  @Test func wrongWeightRank() async {
    let conv2d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 3, 5, 5]).conv2d(.zeros(shape: [4, 3, 3]))
    }
    expectStderr(
      conv2d,
      "conv2d: weight of shape [4, 3, 3]; expected rank 4, "
        + "[outChannels, inChannels / groups, kernelHeight, kernelWidth]")
    let conv1d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 3, 5]).conv1d(.zeros(shape: [4, 3, 1, 3]))
    }
    expectStderr(
      conv1d,
      "conv1d: weight of shape [4, 3, 1, 3]; expected rank 3, "
        + "[outChannels, inChannels / groups, kernelWidth]")
  }

  @Test func channelMismatch() async {
    let plain = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 3, 5, 5]).conv2d(.zeros(shape: [4, 2, 3, 3]))
    }
    expectStderr(
      plain,
      "conv2d: input of shape [1, 3, 5, 5] has 3 channels, but the weight of shape "
        + "[4, 2, 3, 3] takes 2 (2 per group × 1 group)")
    let grouped = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Double>.zeros(shape: [1, 4, 6]).conv1d(.zeros(shape: [4, 4, 3]), groups: 2)
    }
    expectStderr(
      grouped,
      "conv1d: input of shape [1, 4, 6] has 4 channels, but the weight of shape [4, 4, 3] "
        + "takes 8 (4 per group × 2 groups)")
  }

  @Test func kernelLargerThanThePaddedInput() async {
    let conv2d = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 2, 5]).conv2d(.zeros(shape: [1, 1, 3, 3]))
    }
    expectStderr(
      conv2d,
      "conv2d: kernel [3, 3] (dilated extent [3, 3]) is larger than the padded input [2, 5] "
        + "(input [1, 1, 2, 5], padding [0, 0] before and [0, 0] after)")
    let dilated = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 2]).conv1d(
        .zeros(shape: [1, 1, 3]), padding: 1, dilation: 2)
    }
    expectStderr(
      dilated,
      "conv1d: kernel [3] (dilated extent [5]) is larger than the padded input [4] "
        + "(input [1, 1, 2], padding [1] before and [1] after)")
    let empty = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 4]).conv1d(.zeros(shape: [1, 1, 0]))
    }
    expectStderr(
      empty,
      "conv1d: weight of shape [1, 1, 0] has an empty kernel [0]; expected at least one tap per "
        + "spatial axis")
  }

  @Test func badSettings() async {
    let stride = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 4]).conv1d(.zeros(shape: [1, 1, 2]), stride: 0)
    }
    expectStderr(stride, "conv1d: stride [0] must be positive")
    let dilation = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 4, 4]).conv2d(
        .zeros(shape: [1, 1, 2, 2]), dilation: [0])
    }
    expectStderr(dilation, "conv2d: dilation [0, 0] must be positive")
    let padding = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Conv2D<Float>(1, 1, kernelSize: 3, padding: .explicit([1, -1]))
    }
    expectStderr(padding, "conv2d: padding [1, -1] must not be negative")
    let same = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 8]).conv1d(
        .zeros(shape: [1, 1, 3]), stride: 2, padding: .same)
    }
    expectStderr(same, "conv1d: padding .same needs stride 1, not [2] (as PyTorch)")
    let axes = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 4, 4]).conv2d(
        .zeros(shape: [1, 1, 2, 2]), stride: [1, 1, 1])
    }
    expectStderr(
      axes, "conv2d: stride [1, 1, 1] must have one entry or one per spatial axis (2)")
    let groups = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Conv1D<Double>(2, 2, kernelSize: 1, groups: 0)
    }
    expectStderr(groups, "conv1d: groups 0 must be positive")
  }

  @Test func groupsNotDividingTheChannels() async {
    let operation = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      _ = Tensor<Float>.zeros(shape: [1, 3, 5, 5]).conv2d(.zeros(shape: [4, 1, 3, 3]), groups: 2)
    }
    expectStderr(
      operation,
      "conv2d: 2 groups do not divide the 3 input channels and 4 output channels "
        + "(input [1, 3, 5, 5], weight [4, 1, 3, 3])")
    let layer = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Conv2D<Float>(4, 6, kernelSize: 3, groups: 4)
    }
    expectStderr(layer, "Conv2D: 4 groups do not divide 4 input and 6 output channels")
  }

  @Test func biasOfTheWrongShape() async {
    let bias = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 3, 5, 5]).conv2d(
        .zeros(shape: [4, 3, 3, 3]), bias: .zeros(shape: [3]))
    }
    expectStderr(
      bias,
      "conv2d: bias of shape [3]; expected [4], one per output channel of the weight "
        + "[4, 3, 3, 3]")
  }

  /// In a model, the message starts with the layer's path.
  @Test func layerInAGraphNamesItsPath() async {
    let channels = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("net") {
        Conv2D(1, 4, kernelSize: 3)
        Relu()
        Conv2D(3, 2, kernelSize: 3)
      }
      _ = model.predict(.zeros(shape: [1, 1, 8, 8]))
    }
    expectStderr(
      channels,
      "conv2d_1: Conv2D: input of shape [1, 4, 6, 6] has 4 channels, but the weight of shape "
        + "[2, 3, 3, 3] takes 3 (3 per group × 1 group)")
    let rank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let model = Graph<Float>("net") { Conv1D(2, 2, kernelSize: 3) }
      _ = model.predict(.zeros(shape: [1, 2, 4, 4]))
    }
    expectStderr(
      rank,
      "conv1d_0: Conv1D: input of shape [1, 2, 4, 4]; expected rank 3, NCW [batch, channels, "
        + "width]")
  }
}
