import Foundation
import Testing

@testable import SwiftTensor

/// Vocabularies, token windows and the bundled corpus.
@Suite struct TextDataTests {
  @Test func characterVocabularyRoundTrip() {
    let vocabulary = CharacterVocabulary(text: "hello world")
    #expect(vocabulary.characters == [" ", "d", "e", "h", "l", "o", "r", "w"])
    let ids = vocabulary.encode("hold")
    #expect(ids == [3, 5, 4, 1])
    #expect(vocabulary.decode(ids) == "hold")
    #expect(vocabulary.decode(vocabulary.encode("hello world")) == "hello world")

    let withUnknown = CharacterVocabulary(text: "abc", unknown: "?")
    #expect(withUnknown.characters == ["?", "a", "b", "c"])
    #expect(withUnknown.encode("cab!") == [3, 1, 2, 0])
    #expect(withUnknown.decode([3, 0]) == "c?")
  }

  @Test func wordVocabularyFrequencyAndUnknown() {
    let text = "the cat and the hat and the bat"
    let vocabulary = WordVocabulary(text: text, minimumFrequency: 2)
    // "the" 3 times, "and" twice; the rest once and so unknown.
    #expect(vocabulary.words == ["<unk>", "the", "and"])
    #expect(vocabulary.encode("the cat and  the\ndog") == [1, 0, 2, 1, 0])
    #expect(vocabulary.decode([1, 0, 2]) == "the <unk> and")

    let everything = WordVocabulary(text: text)
    #expect(everything.count == 6)
    #expect(everything.words[1...] == ["the", "and", "bat", "cat", "hat"])
    #expect(everything.decode(everything.encode(text)) == text)
  }

  @Test func randomWindowsAndTargets() {
    let tokens = Array(0..<100)
    let windows = TokenWindows(tokens: tokens, batchSize: 3, sequenceLength: 5)
    var generator = SeededGenerator(seed: 7)
    let batch = windows.randomBatch(using: &generator)
    #expect(batch.inputs.count == 15 && batch.targets.count == 15)
    for row in 0..<3 {
      let window = Array(batch.inputs[row * 5..<row * 5 + 5])
      // Consecutive tokens, each target the next token.
      #expect(window == Array(window[0]..<window[0] + 5))
      #expect(Array(batch.targets[row * 5..<row * 5 + 5]) == window.map { $0 + 1 })
    }
    var again = SeededGenerator(seed: 7)
    #expect(windows.randomBatch(using: &again) == batch)
    let tensor = batch.inputTensor(as: Float.self)
    #expect(tensor.shape == [3, 5] && tensor.scalars.map { Int($0) } == batch.inputs)
    #expect(batch.trainingBatch(as: Double.self).labels == batch.targets)
  }

  @Test func sequentialWindowsContinueTheirLanes() {
    // 31 tokens: 3 lanes of 10, windows of 4: two batches per pass.
    let windows = TokenWindows(tokens: Array(0..<31), batchSize: 3, sequenceLength: 4)
    #expect(windows.sequentialBatchCount == 2)
    let first = windows.sequentialBatch(0)
    let second = windows.sequentialBatch(1)
    #expect(first.inputs == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])
    #expect(first.targets == [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
    #expect(second.inputs == [4, 5, 6, 7, 14, 15, 16, 17, 24, 25, 26, 27])
    #expect(windows.sequentialBatch(2) == first)
  }

  @Test func bundledShakespeare() throws {
    let text = try TinyShakespeare.text()
    #expect(text.hasPrefix("First Citizen:\nBefore we proceed any further, hear me speak."))
    #expect(CharacterVocabulary(text: text).count == 65)
  }

  @Test func textMistakes() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = CharacterVocabulary(text: "abc").encode("abz")
      },
      "CharacterVocabulary: character \"z\" is not in the vocabulary of 3 characters, which has "
        + "no unknown character")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = WordVocabulary(text: "a b").decode([5])
      }, "WordVocabulary: id 5 is outside the vocabulary of 3 words")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = TokenWindows(tokens: [1, 2, 3], batchSize: 2, sequenceLength: 3)
      }, "TokenWindows: 3 tokens are too few for one window of 3 and its next-token targets")
  }
}
