import Testing

@testable import SwiftTensor

/// Bad input to the pooling operations and layers stops with a message naming the operation,
/// the shapes or settings given and what was expected.
@Suite struct PoolingErrorTests {
  @Test func wrongRank() async {
    let max = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [3, 4]).maxPool2D(kernelSize: 2)
    }
    expectStderr(
      max,
      "maxPool2D: input of shape [3, 4]; expected rank 4, NCHW [batch, channels, height, width]")
    let average = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tape<Double>().variable(.zeros(shape: [1, 2, 3, 4])).avgPool1D(kernelSize: 2)
    }
    expectStderr(
      average,
      "avgPool1D: input of shape [1, 2, 3, 4]; expected rank 3, NCW [batch, channels, width]")
    let global = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3, 4]).globalAvgPool2D()
    }
    expectStderr(
      global,
      "globalAvgPool2D: input of shape [2, 3, 4]; expected rank 4, NCHW [batch, channels, height, width]"
    )
  }

  @Test func kernelLargerThanThePaddedInput() async {
    let max = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 2, 5]).maxPool2D(kernelSize: 3)
    }
    expectStderr(
      max,
      "maxPool2D: kernel size [3, 3] is larger than the padded input [2, 5] (input [1, 1, 2, 5], "
        + "padding [0, 0])")
    let average = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 1]).avgPool1D(kernelSize: 4, padding: 1)
    }
    expectStderr(
      average, "avgPool1D: kernel size [4] is larger than the padded input [3] (input [1, 1, 1]")
  }

  @Test func badSettings() async {
    let zero = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [1, 1, 4]).maxPool1D(kernelSize: 2, stride: 0)
    }
    expectStderr(zero, "maxPool1D: stride [0] must be positive")
    let negative = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = AvgPool2D<Float>(kernelSize: 2, stride: -1)
    }
    expectStderr(negative, "avgPool2D: stride [-1, -1] must be positive")
    let padding = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = MaxPool2D<Float>(kernelSize: 3, padding: 2)
    }
    expectStderr(
      padding,
      "maxPool2D: padding [2, 2] must be between 0 and half the kernel size [3, 3] "
        + "(padding ≤ kernel / 2, as PyTorch)")
    let kernel = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = MaxPooling<Double>(kernelSize: [2, 0])
    }
    expectStderr(kernel, "maxPool2D: kernel size [2, 0] must be positive")
    let axes = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = AveragePooling<Double>(kernelSize: [2, 2], stride: [1])
    }
    expectStderr(
      axes, "avgPool2D: kernel size [2, 2], stride [1] and padding [0, 0] must each have one")
  }
}
