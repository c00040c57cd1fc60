import Testing

@testable import SwiftTensor

/// Layer norms large enough to share their rows between threads give what the same rows give
/// in blocks small enough for one thread: the same values and input gradients, and parameter
/// gradients that differ only by the order of their `Double` sums.
@Suite struct NormalizationThreadsTests {
  @Test func sharedRowsMatchSmallBlocks() {
    let (rows, width, block) = (1_001, 128, 100)
    #expect(
      NormalizationKernels.rowThreads(
        NormalizationLayout(rows: block, groups: 1, channels: width, inner: 1)) == 1)
    let x = Tensor<Float>.random(shape: [rows, width], lower: -3, upper: 3, seed: 1)
    let projection = Tensor<Float>.random(shape: [rows, width], lower: -1, upper: 1, seed: 2)
    let weight = Tensor<Float>.random(shape: [width], lower: 0.5, upper: 1.5, seed: 3)
    let bias = Tensor<Float>.random(shape: [width], lower: -1, upper: 1, seed: 4)
    /// Output, input gradient, weight gradient and bias gradient of rows `range`.
    func run(_ range: Range<Int>) -> [Tensor<Float>] {
      let tape = Tape<Float>()
      let input = tape.variable(x[range])
      let (w, b) = (tape.variable(weight), tape.variable(bias))
      let y = input.layerNormalized(over: [width], weight: w, bias: b)
      (y * Variable(projection[range], trainable: false)).sum().backward()
      return [y.value, input.gradient, w.gradient, b.gradient].map { $0 ?? Tensor(0) }
    }
    let whole = run(0..<rows)
    let blocks = stride(from: 0, to: rows, by: block).map { run($0..<Swift.min(rows, $0 + block)) }
    #expect(whole[0].scalars == blocks.flatMap { $0[0].scalars })
    #expect(whole[1].scalars == blocks.flatMap { $0[1].scalars })
    for parameter in 2...3 {
      let sum = blocks.map { $0[parameter] }.reduce(Tensor<Float>.zeros(shape: [width]), +)
      expectClose(whole[parameter], sum, tolerance: 1e-5, "parameter gradient \(parameter)")
    }
  }
}
