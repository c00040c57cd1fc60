import Testing

@testable import SwiftTensor

/// Bad input to the selection operations stops with a message naming the operation, the values
/// or shapes given and what was expected.
@Suite struct SelectionErrorTests {
  @Test func axesOutOfRange() async {
    let max = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tape<Float>().variable(.zeros(shape: [2, 3])).max(axis: 2)
    }
    expectStderr(
      max, "max: axis 2 is out of range for a tensor of shape [2, 3] (valid axes: -2..<2)")
    let gather = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).gather(axis: -3, indices: [0], indexShape: [1, 1])
    }
    expectStderr(gather, "gather: axis -3 is out of range for a tensor of shape [2, 3]")
    let sum = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Double>.zeros(shape: [4]).cumulativeSum(axis: 1)
    }
    expectStderr(sum, "cumulativeSum: axis 1 is out of range for a tensor of shape [4]")
    let empty = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tape<Float>().variable(.zeros(shape: [2, 0])).min(axis: 1)
    }
    expectStderr(empty, "min: axis 1 of shape [2, 0] is empty, so it has no minimum")
  }

  @Test func indicesOutOfRange() async {
    let gather = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).gather(axis: 1, indices: [0, 3], indexShape: [1, 2])
    }
    expectStderr(
      gather,
      "gather: index 3 at flat position 1 of the indices [1, 2] is out of range for axis 1 of "
        + "the input [2, 3] (valid indices: 0..<3)")
    let scatter = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3])
        .scatterAdding(.ones(shape: [1, 3]), axis: 0, indices: [0, -1, 1])
    }
    expectStderr(scatter, "scatterAdd: index -1 at flat position 1 of the indices [1, 3]")
  }

  @Test func shapeMismatches() async {
    let count = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).gather(
        axis: 1, indices: [0, 1, 2], indexShape: [2, 2])
    }
    expectStderr(count, "gather: 3 indices do not fill the index shape [2, 2] (4 positions)")
    let rank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).gather(
        axis: 1, indices: [0, 1, 2], indexShape: [3, 1])
    }
    expectStderr(
      rank,
      "gather: index shape [3, 1] does not fit the input [2, 3] along axis 1 (expected rank 2 "
        + "and each dimension other than 1 at most the input's)")
    let source = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [2, 3]).scatterAdding(
        .ones(shape: [2]), axis: 0, indices: [0, 1])
    }
    expectStderr(source, "scatterAdd: index shape [2] does not fit the input [2, 3]")
    let operands = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.where(.ones(shape: [3]), .zeros(shape: [2]), .zeros(shape: [3]))
    }
    expectStderr(operands, "where: shapes [3] and [2] cannot be broadcast together")
    let fill = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Float>.zeros(shape: [3]).maskedFill(.ones(shape: [2, 3]), 0)
    }
    expectStderr(
      fill, "maskedFill: mask of shape [2, 3] does not broadcast to the input's shape [3]")
  }

  @Test func masksHoldOnlyZerosAndOnes() async {
    let select = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Where<Float>(mask: [1, 0, 0.5])
    }
    expectStderr(
      select, "where: mask value 0.5 at flat position 2 is neither 0 nor 1 (mask of shape [3]")
    let fill = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor<Double>.zeros(shape: [2]).maskedFill(Tensor([.nan, 1]), 0)
    }
    expectStderr(fill, "maskedFill: mask value nan at flat position 0 is neither 0 nor 1")
  }
}
