import Foundation
import Testing

@testable import SwiftTensor

/// Each programmer error stops the process with a message naming the operation and the shapes.
/// These run in child processes (exit tests), so a failure here cannot take the suite down.
@Suite struct ErrorMessageTests {
  @Test func shapeMismatches() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3]).matmul(.zeros(shape: [4, 5]))
      }, "matmul: inner dimensions differ: [2, 3] x [4, 5]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Double>.zeros(shape: [3]).matmul(.zeros(shape: [3, 1]))
      }, "matmul: expected 2-D or 3-D operands, got [3] x [3, 1]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3, 4]).matmul(.zeros(shape: [3, 4, 5]))
      }, "matmul: batch sizes differ: [2, 3, 4] x [3, 4, 5]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3]) + Tensor<Float>.zeros(shape: [4])
      }, "add: shapes [2, 3] and [4] cannot be broadcast together (dimension 3 vs 4)")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.concatenate([.zeros(shape: [2, 3]), .zeros(shape: [2, 4])])
      }, "concatenate: tensor 1 has shape [2, 4], which does not match [2, 3]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        var x = Tensor<Float>.zeros(shape: [3])
        x += Tensor<Float>.zeros(shape: [2, 3])
      }, "+=: the result has shape [2, 3], but the left operand has shape [3]")
  }

  @Test func badReshapesAxesAndIndices() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3]).reshaped(to: [4])
      }, "reshape: cannot reshape a tensor of shape [2, 3] (6 scalars) to [4] (4 scalars)")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Double>.zeros(shape: [2, 3]).sum(axis: 2)
      }, "sum: axis 2 is out of range for a tensor of shape [2, 3] (valid axes: -2..<2)")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3])[0, 5]
      }, "subscript: index 5 is out of range for axis 1 of shape [2, 3]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [2, 3]).scalar(at: 1)
      }, "scalar(at:): 1 indices for a tensor of shape [2, 3], expected 2")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3])
      }, "Tensor(shape:scalars:): shape [2, 2] holds 4 scalars, but 3 were given")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>([[1, 2], [3]])
      }, "Tensor(_:): ragged nested array: row 0 has 2 elements but row 1 has 1")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let _: Tensor<Float> = [[1, 2], [3]]
      }, "Tensor literal: ragged nested array")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Tensor<Float>.zeros(shape: [0, 2]).max(axis: 0)
      }, "max: axis 0 of shape [0, 2] is empty")
  }
}

/// The recurrent layers' and embedding's messages.
@Suite struct RecurrentErrorMessageTests {
  @Test func recurrentMistakes() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Float>(ids: [1, 7], shape: [2])(Tensor<Float>.zeros(shape: [5, 3]))
      },
      "Embedding: id 7 at flat position 1 is outside the vocabulary of 5 tokens (valid ids: 0..<5)")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = EmbeddingLookup<Float>(ids: Tensor<Float>([0.5]))
      }, "Embedding: id 0.5 at flat position 0 is not an integer")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let lstm = LSTM<Float>(inputSize: 2, hiddenSize: 3)
        let state = RecurrentState<Float>(
          hidden: [Variable(.zeros(shape: [4, 3]))], cell: [Variable(.zeros(shape: [4, 3]))])
        _ = lstm(Variable(.zeros(shape: [2, 5, 2])), initialState: state)
      },
      "LSTM: state of shape [4, 3] does not match the batch of 2 sequences (input of shape [2, 5, 2])"
    )
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = GRU<Float>(inputSize: 2, hiddenSize: 3)(
          Variable(.zeros(shape: [2, 0, 2])), initialState: nil)
      }, "GRU: empty sequences (input of shape [2, 0, 2])")
  }
}
