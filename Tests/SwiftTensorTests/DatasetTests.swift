import Foundation
import Testing

@testable import SwiftTensor

@Suite struct DatasetTests {
  /// A small labelled dataset whose input row `i` is `[i, 10 i]`, so rows identify samples.
  func numbered(_ count: Int) -> Dataset<Double> {
    let scalars = (0..<count).flatMap { [Double($0), Double(10 * $0)] }
    return Dataset(inputs: Tensor(shape: [count, 2], scalars: scalars), labels: Array(0..<count))
  }

  func checkDigits<T: TensorScalar>(_: T.Type) throws {
    let all = try Digits.loadAll(as: T.self)
    #expect(all.count == 1_797)
    #expect(all.inputs.shape == [1_797, 64])
    let pixels = all.inputs.scalars
    #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(pixels.contains(1) && pixels.contains(0))
    #expect(pixels.allSatisfy { ($0 * 16).rounded() == $0 * 16 }, "pixels are sixteenths")
    let labels = try #require(all.labels)
    var classCounts = Array(repeating: 0, count: 10)
    for label in labels {
      try #require((0..<10).contains(label))
      classCounts[label] += 1
    }
    #expect(classCounts.reduce(0, +) == 1_797)
    #expect(classCounts.allSatisfy { (170...190).contains($0) }, "\(classCounts)")
    // The first sample of the file (scikit-learn's digits[0], a zero).
    #expect(labels[0] == 0)
    #expect(all.inputs[0].scalars.prefix(4).map { $0 * 16 } == [0, 0, 5, 13])

    let (train, test) = try Digits.load(as: T.self)
    #expect(train.count == 1_347 && test.count == 450)
    #expect(train.inputs.shape == [1_347, 64] && test.inputs.shape == [450, 64])
  }

  @Test func digitsLoadInFloatAndDouble() throws {
    try checkDigits(Float.self)
    try checkDigits(Double.self)
  }

  @Test func digitsSplitIsDeterministicAndDisjoint() throws {
    let first = try Digits.load(as: Float.self)
    let second = try Digits.load(as: Float.self)
    #expect(first.train == second.train && first.test == second.test)
    let other = try Digits.load(as: Float.self, seed: 7)
    #expect(other.train != first.train)

    // Identify samples by their pixel rows: training and test rows never coincide except
    // for images that occur twice in the file.
    let all = try Digits.loadAll(as: Float.self)
    func rows(_ data: Dataset<Float>) -> [[Float]] {
      (0..<data.count).map { data.inputs[$0].scalars + [Float(data.labels?[$0] ?? -1)] }
    }
    var multiplicity: [[Float]: Int] = [:]
    for row in rows(all) { multiplicity[row, default: 0] += 1 }
    let trainRows = rows(first.train)
    let testRows = rows(first.test)
    var union: [[Float]: Int] = [:]
    for row in trainRows + testRows { union[row, default: 0] += 1 }
    #expect(union == multiplicity, "train + test is a permutation of the file")
    let shared = Set(trainRows).intersection(testRows)
    #expect(shared.allSatisfy { (multiplicity[$0] ?? 0) > 1 })
  }

  @Test func splitOfNumberedSamples() {
    let data = numbered(10)
    let (training, test) = data.split(trainingFraction: 0.7, seed: 3)
    #expect(training.count == 7 && test.count == 3)
    let ids = (training.labels ?? []) + (test.labels ?? [])
    #expect(ids.sorted() == Array(0..<10))
    #expect(ids != Array(0..<10), "the split shuffles")
    #expect(data.split(trainingFraction: 0.29, seed: 1).train.count == 2)
    #expect(numbered(100).split(trainingFraction: 0.29, seed: 1).train.count == 29)
    #expect(data.split(trainingFraction: 1, seed: 1).test.count == 0)
  }

  @Test func subsetKeepsRowsAndTargetsTogether() {
    let data = numbered(5)
    let picked = data.subset([4, 1, 1])
    #expect(picked.inputs == Tensor(shape: [3, 2], scalars: [4, 40, 1, 10, 1, 10]))
    #expect(picked.labels == [4, 1, 1])

    let regression = Dataset(
      inputs: Tensor<Float>(shape: [3, 1], scalars: [1, 2, 3]),
      targets: Tensor<Float>(shape: [3, 2], scalars: [10, 11, 20, 21, 30, 31]))
    let rows = regression.subset([2, 0])
    #expect(rows.inputs == Tensor(shape: [2, 1], scalars: [3, 1]))
    #expect(rows.targetValues == Tensor(shape: [2, 2], scalars: [30, 31, 10, 11]))
    #expect(rows.labels == nil)
  }

  @Test func batchesCoverEverySampleOncePerEpoch() {
    let data = numbered(10)
    for shuffle in [false, true] {
      let batches = data.batches(size: 4, shuffle: shuffle, seed: 5)
      #expect(batches.count == 3)
      #expect(batches.map(\.count) == [4, 4, 2], "the last partial batch is kept")
      let seen = batches.flatMap { $0.labels ?? [] }
      #expect(seen.sorted() == Array(0..<10))
      for batch in batches {
        // Inputs and labels stay paired: row i is [label, 10 label].
        let labels = batch.labels ?? []
        #expect(batch.inputs.scalars == labels.flatMap { [Double($0), Double(10 * $0)] })
      }
      if !shuffle { #expect(seen == Array(0..<10)) }
    }
    #expect(data.batches(size: 10).count == 1)
    #expect(data.batches(size: 100).map(\.count) == [10])
    #expect(data.batches(size: 1).count == 10)
  }

  @Test func batchOrderIsSeeded() {
    let data = numbered(50)
    func order(_ seed: UInt64) -> [Int] {
      data.batches(size: 8, seed: seed).flatMap { $0.labels ?? [] }
    }
    #expect(order(1) == order(1))
    #expect(order(1) != order(2))
    #expect(order(1) != Array(0..<50))
    var generator = SeededGenerator(seed: 1)
    let viaGenerator = data.batches(size: 8, using: &generator).flatMap { $0.labels ?? [] }
    #expect(viaGenerator == order(1))
    // The generator advances, so the next epoch is a different order.
    let nextEpoch = data.batches(size: 8, using: &generator).flatMap { $0.labels ?? [] }
    #expect(nextEpoch != viaGenerator)
  }

  @Test func theShuffleIsTheSameThroughAnyGenerator() {
    // Specialised for `SeededGenerator`; a wrapper around one takes the generic path.
    struct Wrapped: RandomNumberGenerator {
      var inner: SeededGenerator
      mutating func next() -> UInt64 { inner.next() }
    }
    var seeded = SeededGenerator(seed: 5)
    var wrapped = Wrapped(inner: SeededGenerator(seed: 5))
    let order = seededPermutation(count: 1_000, using: &seeded)
    #expect(order == seededPermutation(count: 1_000, using: &wrapped))
    #expect(order != Array(0..<1_000))
  }

  @Test func permutationIsUniformEnough() {
    // Each of the 6 orders of 3 elements should appear about 1/6 of the time.
    var generator = SeededGenerator(seed: 11)
    var counts: [[Int]: Int] = [:]
    for _ in 0..<6_000 { counts[seededPermutation(count: 3, using: &generator), default: 0] += 1 }
    #expect(counts.count == 6)
    #expect(counts.values.allSatisfy { (850...1_150).contains($0) }, "\(counts)")
  }

  @Test func toySequenceFitsTheTrueWeights() throws {
    let data = ToySequence.make(count: 1_000, seed: 4, as: Double.self)
    #expect(data.inputs.shape == [1_000, 2])
    let targets = try #require(data.targetValues)
    #expect(targets.shape == [1_000, 1])
    let x = data.inputs.scalars
    #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
    let y = targets.scalars
    // Least squares without intercept: solve the 2×2 normal equations (XᵀX) w = Xᵀy.
    var (a, b, c, p, q) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for i in 0..<1_000 {
      let (x1, x2) = (x[2 * i], x[2 * i + 1])
      a += x1 * x1
      b += x1 * x2
      c += x2 * x2
      p += x1 * y[i]
      q += x2 * y[i]
    }
    let determinant = a * c - b * b
    let w1 = (c * p - b * q) / determinant
    let w2 = (a * q - b * p) / determinant
    #expect(abs(w1 - 2) < 0.05 && abs(w2 - 3) < 0.05, "fitted \(w1), \(w2)")
    // The noise is there and has about the documented scale.
    var squares = 0.0
    for i in 0..<1_000 {
      let residual = y[i] - 2 * x[2 * i] - 3 * x[2 * i + 1]
      squares += residual * residual
    }
    let noise = (squares / 1_000).squareRoot()
    #expect(noise > 0.08 && noise < 0.12, "noise standard deviation \(noise)")

    let float = ToySequence.make(count: 1_000, seed: 4, as: Float.self)
    #expect(float.inputs.scalars.map(Double.init) == x.map { Double(Float($0)) })
    #expect(ToySequence.make(count: 10, seed: 4, as: Double.self) != data.subset(Array(0..<10)))
    #expect(
      ToySequence.make(count: 10, seed: 5, as: Double.self)
        != ToySequence.make(count: 10, seed: 4, as: Double.self))
  }

  @Test func badCSVLinesThrowWithTheLineNumber() {
    let good = Array(repeating: "16", count: 64).joined(separator: ",") + ",9"
    let parsed = try? Digits.parse(csv: good + "\n\n" + good + "\n", as: Float.self)
    #expect(parsed?.count == 2)
    #expect(parsed?.inputs.scalars.allSatisfy { $0 == 1 } == true)

    func error(_ csv: String) -> DataError? {
      #expect(throws: DataError.self) { _ = try Digits.parse(csv: csv, as: Float.self) }
    }
    let short = Array(repeating: "0", count: 63).joined(separator: ",") + ",1"
    #expect(
      error(good + "\n" + short)
        == .malformedLine(
          source: "digits.csv", line: 2,
          reason: "expected 65 comma-separated values (64 pixels and a label), found 64"))
    let letter = good.replacingOccurrences(of: "16,16,", with: "16,x,", options: .anchored)
    #expect(
      error(good + "\n" + good + "\n" + letter)
        == .malformedLine(
          source: "digits.csv", line: 3, reason: "value 'x' in column 2 is not an integer"))
    let bright = "17," + Array(repeating: "0", count: 63).joined(separator: ",") + ",1"
    #expect(
      error(bright)
        == .malformedLine(
          source: "digits.csv", line: 1, reason: "pixel 17 in column 1 is outside 0...16"))
    let badLabel = Array(repeating: "0", count: 64).joined(separator: ",") + ",10"
    #expect(
      error(badLabel)
        == .malformedLine(source: "digits.csv", line: 1, reason: "label 10 is outside 0...9"))
    #expect(error("\n\n") == .empty(source: "digits.csv"))
    #expect(
      DataError.malformedLine(source: "digits.csv", line: 3, reason: "bad").description
        == "digits.csv line 3: bad")
  }

  @Test func emptyDatasetAndZeroBatchSizeStop() async {
    let stop: @Sendable (ExitTest.Result?, String) -> Void = { result, message in
      guard let result else { return }
      let stderr = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(stderr.contains(message), "stderr was: \(stderr)")
    }
    stop(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let data = Dataset(inputs: Tensor<Float>.zeros(shape: [3, 2]), labels: [0, 1, 2])
        _ = data.batches(size: 0)
      }, "Dataset.batches: batch size must be positive, got 0")
    stop(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let data = Dataset(inputs: Tensor<Float>.zeros(shape: [0, 2]), labels: [])
        _ = data.batches(size: 4)
      }, "Dataset.batches: the dataset is empty")
    stop(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Dataset(inputs: Tensor<Float>.zeros(shape: [3, 2]), labels: [0, 1])
      }, "Dataset: 2 labels for inputs of shape [3, 2], expected 3")
    stop(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let data = Dataset(inputs: Tensor<Float>.zeros(shape: [3, 2]), labels: [0, 1, 2])
        _ = data.subset([3])
      }, "Dataset.subset: index 3 is out of range for a dataset of 3 samples")
  }
}
