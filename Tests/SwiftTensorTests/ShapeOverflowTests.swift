import Testing

@testable import SwiftTensor

/// Shapes whose element count (or its size in bytes) overflows `Int`, and ids that do not
/// convert to `Int`, stop with a message naming the operation and the shape or value, instead
/// of an anonymous arithmetic trap.
@Suite struct ShapeOverflowTests {
  @Test func overflowingCreationsNameTheOperationAndShape() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [1 << 40, 1 << 40])
      }, "Tensor(repeating:shape:): shape [1099511627776, 1099511627776] holds more scalars")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Double>.randomNormal(shape: [1 << 31, 1 << 31], seed: 0)
      }, "randomNormal: shape [2147483648, 2147483648] holds more scalars")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [4]).reshaped(to: [1 << 40, 1 << 40, -1])
      }, "reshape: shape [1099511627776, 1099511627776] holds more scalars")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Affine<Float>(1 << 31, 1 << 31)
      }, "Affine: shape [2147483648, 2147483648] holds more scalars")
  }

  @Test func anOverflowingProductWithAZeroDimensionIsEmpty() {
    let empty = Tensor<Float>.zeros(shape: [1 << 40, 1 << 40, 0])
    #expect(empty.scalarCount == 0)
    #expect(empty.shape == [1 << 40, 1 << 40, 0])
  }

  @Test func negativeDimensionsStillNameTheOperation() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.ones(shape: [2, -3])
      }, "Tensor(repeating:shape:): shape [2, -3] has a negative dimension")
  }

  @Test func embeddingIdsThatAreNoIntStopWithTheirPosition() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Float>(ids: Tensor<Float>(shape: [2], scalars: [1, 1e30]))
      }, "Embedding: id 1e+30 at flat position 1 is not an integer that fits in Int")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Double>(ids: Tensor<Double>(shape: [1, 2], scalars: [0, .nan]))
      }, "Embedding: id nan at flat position 1 is not an integer")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Float>(ids: Tensor<Float>(shape: [1], scalars: [2.5]))
      }, "Embedding: id 2.5 at flat position 0 is not an integer")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Float>(ids: [1, 2], shape: [1 << 40, 1 << 40])
      }, "Embedding: shape [1099511627776, 1099511627776] holds more scalars")
  }
}
