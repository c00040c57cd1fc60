import Foundation
import SwiftTensorTesting
import Testing

@testable import SwiftTensor

@Suite struct CTCTests {
  /// -log P(labels) by enumerating every path of `frames` classes: collapse repeats, drop
  /// blanks, and add the probabilities of the paths that give `labels`.
  func bruteForceLoss(_ logits: [[Double]], _ labels: [Int], blank: Int = 0) -> Double {
    let classes = logits[0].count
    let logP = logits.map { row -> [Double] in
      let m = row.max() ?? 0
      let z = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }) + m
      return row.map { $0 - z }
    }
    var total = 0.0
    var path = [Int](repeating: 0, count: logits.count)
    func visit(_ t: Int, _ logProbability: Double) {
      if t == logits.count {
        if collapse(path, blank: blank) == labels { total += Foundation.exp(logProbability) }
        return
      }
      for k in 0..<classes {
        path[t] = k
        visit(t + 1, logProbability + logP[t][k])
      }
    }
    visit(0, 0)
    return -Foundation.log(total)
  }

  func collapse(_ path: [Int], blank: Int) -> [Int] {
    var result: [Int] = []
    var previous = -1
    for k in path {
      if k != previous && k != blank { result.append(k) }
      previous = k
    }
    return result
  }

  @Test func matchesBruteForceOnTinyCases() {
    let cases: [(frames: Int, labels: [Int])] = [
      (1, [1]), (1, []), (2, [1]), (3, [1, 1]), (4, [1, 2]), (5, [2, 2]), (5, [1, 2, 1]),
      (4, []), (3, [2]),
    ]
    for (index, (frames, labels)) in cases.enumerated() {
      let logits = Tensor<Double>.randomNormal(shape: [1, frames, 3], seed: UInt64(index))
      let rows = (0..<frames).map { t in (0..<3).map { logits.scalar(at: 0, t, $0) } }
      let expected = bruteForceLoss(rows, labels)
      let loss = CTCLoss<Double>(labels: [labels], inputLengths: [frames], reduction: .sum)
        .forwardSaving(logits).outputs.scalar
      #expect(
        Swift.abs(loss - expected) < 1e-10, "T=\(frames) labels \(labels): \(loss) vs \(expected)")
    }
  }

  @Test func gradientMatchesBruteForce() throws {
    // Central differences of the brute-force loss: independent of the alpha-beta recursions.
    for (seed, labels) in [[1, 1], [2], [1, 2]].enumerated() {
      let logits = Tensor<Double>.randomNormal(shape: [1, 4, 3], seed: UInt64(seed + 20))
      let tape = Tape<Double>()
      let x = tape.variable(logits)
      x.ctcLoss(labels: [labels], inputLengths: [4], reduction: .sum).backward()
      let analytic = try #require(x.gradient).scalars
      for i in 0..<12 {
        func loss(_ delta: Double) -> Double {
          var values = logits.scalars
          values[i] += delta
          let rows = (0..<4).map { t in Array(values[(t * 3)..<(t * 3 + 3)]) }
          return bruteForceLoss(rows, labels)
        }
        let numeric = (loss(1e-6) - loss(-1e-6)) / 2e-6
        #expect(Swift.abs(numeric - analytic[i]) < 1e-6, "labels \(labels) element \(i)")
      }
    }
  }

  @Test func batchWithSeveralLengthsMatchesSamplesAlone() {
    let logits = Tensor<Double>.randomNormal(shape: [3, 5, 4], seed: 9)
    let labels = [[1, 2], [3, 3], []]
    let lengths = [5, 3, 2]
    let losses = CTCLoss<Double>(labels: labels, inputLengths: lengths, reduction: .none)
      .forwardSaving(logits).outputs.scalars
    for b in 0..<3 {
      let rows = (0..<lengths[b]).map { t in (0..<4).map { logits.scalar(at: b, t, $0) } }
      #expect(Swift.abs(losses[b] - bruteForceLoss(rows, labels[b])) < 1e-10)
    }
    // PyTorch's mean: each loss over its label length (at least 1), averaged over the batch.
    let mean = CTCLoss<Double>(labels: labels, inputLengths: lengths).forwardSaving(logits)
      .outputs.scalar
    #expect(Swift.abs(mean - (losses[0] / 2 + losses[1] / 2 + losses[2]) / 3) < 1e-12)
  }

  @Test func handWorkedSingleFrame() {
    // T = 1, label [1]: the only path is "1", so the loss is -log softmax(x)[1].
    let x: Tensor<Double> = [[[0.5, 2, -1]]]
    let loss = CTCLoss<Double>(labels: [[1]], inputLengths: [1], reduction: .sum)
      .forwardSaving(x).outputs.scalar
    let expected = -x.logSoftmax(axis: 2).scalar(at: 0, 0, 1)
    #expect(Swift.abs(loss - expected) < 1e-12)
  }

  /// Logits `[batch, time, 4]` with feasible labels and lengths (including repeats and T = 1).
  func cases<T: TensorScalar>(_: T.Type) -> Gen<(Tensor<T>, [[Int]], [Int])> {
    zip(Gen.int(in: 1...3), Gen.int(in: 1...5)).flatMap { batch, time in
      let labelGen = Gen.int(in: 1...3).array(count: time / 2 + 1)
      return zip(
        Gen.tensor(T.self, shape: [batch, time, 4], in: -2...2),
        labelGen.array(count: batch), Gen.int(in: 1...time).array(count: batch))
    }.map { logits, rawLabels, lengths in
      // Trim each label sequence until it fits its length (repeats need a blank between them).
      let labels = zip(rawLabels, lengths).map { raw, length -> [Int] in
        var labels = raw
        while !labels.isEmpty
          && labels.count + zip(labels, labels.dropFirst()).filter({ $0 == $1 }).count > length
        {
          labels.removeLast()
        }
        return labels
      }
      return (logits, labels, lengths)
    }
  }

  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    try forAll(cases(type)) { logits, labels, lengths in
      for reduction in [LossReduction.mean, .sum, .none] {
        try expectGradient(
          of: CTCLoss<T>(labels: labels, inputLengths: lengths, reduction: reduction),
          at: [logits])
      }
    }
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  @Test func longSequencesWithLargeLogitsStayFinite() {
    let logits = Tensor<Float>.randomNormal(shape: [2, 200, 5], standardDeviation: 30, seed: 3)
    let labels = [Array(repeating: [1, 2, 3, 4], count: 20).flatMap { $0 }, [4, 4, 4, 1]]
    let tape = Tape<Float>()
    let x = tape.variable(logits)
    let loss = x.ctcLoss(labels: labels, inputLengths: [200, 150])
    #expect(loss.value.scalar.isFinite)
    loss.backward()
    #expect(x.gradient?.scalars.allSatisfy { $0.isFinite } == true)
    // Frames beyond the second sample's length get no gradient.
    #expect(x.gradient?[1, 150...].scalars.allSatisfy { $0 == 0 } == true)
  }

  @Test func greedyDecoding() {
    // Frames argmax: 1 1 0 1 2 2 0 -> collapse repeats -> 1 0 1 2 0 -> drop blanks -> 1 1 2.
    let frames = [1, 1, 0, 1, 2, 2, 0]
    var scalars: [Float] = []
    for k in frames { scalars += (0..<3).map { $0 == k ? 5 : 0 } }
    let logits = Tensor<Float>(shape: [1, 7, 3], scalars: scalars)
    #expect(CTC.greedyDecode(logits: logits) == [[1, 1, 2]])
    #expect(CTC.greedyDecode(logits: logits, inputLengths: [3]) == [[1]])
  }

  @Test func badTargetsStopWithAMessage() async {
    let repeats = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = CTCLoss<Float>(labels: [[1, 1, 2]], inputLengths: [3])
        .forwardSaving(.zeros(shape: [1, 3, 3]))
    }
    expectStderr(repeats, "sample 0 has 3 labels (1 repeated, which need a blank between them)")
    let blank = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = CTCLoss<Float>(labels: [[0]], inputLengths: [2]).forwardSaving(.zeros(shape: [1, 2, 3]))
    }
    expectStderr(blank, "label 0 of sample 0 is not a class in 0..<3 other than the blank 0")
    let length = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = CTCLoss<Float>(labels: [[1]], inputLengths: [4]).forwardSaving(.zeros(shape: [1, 3, 3]))
    }
    expectStderr(length, "input length 4 of sample 0 is outside 1...3")
  }
}
