import Testing

@testable import SwiftTensor

/// Bad inputs to attention stop with a message naming the operation, the shapes and what was
/// expected: each message checked directly, and the stop itself in child processes.
@Suite struct AttentionErrorTests {
  func problem(_ q: [Int], _ k: [Int], _ v: [Int], heads: Int = 2, mask: [Int]? = nil) -> String? {
    attentionShapeProblem(query: q, key: k, value: v, heads: heads, mask: mask)
  }

  @Test func messages() {
    #expect(problem([2, 3, 4], [2, 5, 4], [2, 5, 6], mask: [2, 5]) == nil)
    #expect(
      problem([3, 4], [2, 5, 4], [2, 5, 6])
        == "ScaledDotProductAttention: query [3, 4], key [2, 5, 4], value [2, 5, 6]; expected "
        + "rank 3 each, [batch, time, heads·dim]")
    #expect(
      problem([2, 3, 4], [1, 5, 4], [1, 5, 6])
        == "ScaledDotProductAttention: query [2, 3, 4], key [1, 5, 4], value [1, 5, 6]; batch "
        + "sizes differ")
    #expect(
      problem([2, 3, 4], [2, 5, 4], [2, 6, 6])
        == "ScaledDotProductAttention: query [2, 3, 4], key [2, 5, 4], value [2, 6, 6]; key and "
        + "value times differ")
    #expect(
      problem([2, 3, 4], [2, 5, 6], [2, 5, 6])
        == "ScaledDotProductAttention: query [2, 3, 4], key [2, 5, 6], value [2, 5, 6]; query "
        + "and key widths differ")
    #expect(
      problem([2, 3, 4], [2, 5, 4], [2, 5, 6], heads: 3)
        == "ScaledDotProductAttention: query [2, 3, 4], key [2, 5, 4], value [2, 5, 6]; widths 4 "
        + "and 6 must be divisible by 3 heads")
    #expect(
      problem([2, 3, 4], [2, 5, 4], [2, 5, 6], mask: [2, 3])
        == "ScaledDotProductAttention: key padding mask of shape [2, 3] for query [2, 3, 4], key "
        + "[2, 5, 4], value [2, 5, 6]; expected [2, 5] ([batch, timeK])")
  }

  @Test func stops() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let q = Tensor<Float>.zeros(shape: [2, 3, 4])
        _ = q.attention(key: .zeros(shape: [2, 5, 4]), value: .zeros(shape: [2, 5, 5]), heads: 2)
      }, "widths 4 and 5 must be divisible by 2 heads")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let q = Tensor<Double>.zeros(shape: [2, 3, 4])
        _ = q.attention(
          key: .zeros(shape: [2, 5, 4]), value: .zeros(shape: [2, 5, 4]), heads: 2,
          keyPaddingMask: .ones(shape: [5]))
      }, "key padding mask of shape [5]")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = MultiHeadAttention<Float>(width: 6, heads: 4)
      }, "MultiHeadAttention: 4 heads do not divide a width of 6")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let layer = MultiHeadAttention<Float>(width: 4, heads: 2)
        _ = layer(
          Variable(.zeros(shape: [2, 4])), context: LayerContext(isTraining: false, seed: 0))
      },
      "MultiHeadAttention: input of shape [2, 4] does not fit a layer of width 4; expected "
        + "[batch, time, 4]")
  }
}
