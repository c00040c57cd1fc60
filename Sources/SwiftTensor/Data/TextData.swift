import Foundation

/// A mapping between tokens and integer ids, with an unknown token for anything unseen.
///
/// Build one from a corpus with `characters(of:)` (one token per `Character`) or
/// `words(of:minimumFrequency:)` (whitespace-separated words; rarer ones become the unknown
/// token). Ids are dense, `0..<count`, in a deterministic order (id 0 is the unknown token).
public struct Vocabulary: Sendable, Equatable {
  /// The tokens, by id.
  public let tokens: [String]
  /// The token that stands for anything not in the vocabulary (id 0).
  public let unknown: String
  private let ids: [String: Int]

  /// A vocabulary of the given tokens (after the unknown token, id 0), duplicates removed.
  public init(tokens: [String], unknown: String = "<unk>") {
    var seen: Set<String> = [unknown]
    self.tokens = [unknown] + tokens.filter { seen.insert($0).inserted }
    self.unknown = unknown
    ids = Dictionary(uniqueKeysWithValues: self.tokens.enumerated().map { ($1, $0) })
  }

  /// Every distinct character of `text`, sorted by code point.
  public static func characters(of text: String) -> Vocabulary {
    Vocabulary(tokens: Set(text.map(String.init)).sorted(), unknown: "\u{FFFD}")
  }

  /// Every whitespace-separated word of `text` seen at least `minimumFrequency` times, most
  /// frequent first (ties alphabetical).
  public static func words(of text: String, minimumFrequency: Int = 1) -> Vocabulary {
    var counts: [String: Int] = [:]
    for word in text.split(whereSeparator: \.isWhitespace) { counts[String(word), default: 0] += 1 }
    let kept = counts.filter { $0.value >= minimumFrequency }
      .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    return Vocabulary(tokens: kept.map(\.key))
  }

  /// The number of tokens, the unknown one included.
  public var count: Int { tokens.count }

  /// The id of `token` (0, the unknown token, if absent).
  public func id(of token: String) -> Int { ids[token] ?? 0 }

  /// The ids of the characters of `text`.
  public func encodeCharacters(_ text: String) -> [Int] { text.map { id(of: String($0)) } }

  /// The ids of the whitespace-separated words of `text`.
  public func encodeWords(_ text: String) -> [Int] {
    text.split(whereSeparator: \.isWhitespace).map { id(of: String($0)) }
  }

  /// The tokens of `ids`, joined with `separator`.
  ///
  /// - Precondition: every id is in `0..<count`.
  public func decode(_ ids: [Int], separator: String = "") -> String {
    ids.map { id in
      tensorPrecondition(
        (0..<count).contains(id), "Vocabulary.decode: id \(id) is outside 0..<\(count)")
      return tokens[id]
    }.joined(separator: separator)
  }

  /// Two vocabularies are equal when they map the same tokens to the same ids.
  public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool {
    lhs.tokens == rhs.tokens && lhs.unknown == rhs.unknown
  }
}

/// Windows of a long token stream for language modelling: each sample is `length` tokens and
/// its target is the same window shifted by one token.
public struct LanguageModelWindows: Sendable {
  /// The token stream.
  public let tokens: [Int]
  /// Tokens per window.
  public let length: Int

  /// Creates the windows.
  ///
  /// - Precondition: `length > 0` and the stream holds at least `length + 1` tokens.
  public init(tokens: [Int], length: Int) {
    tensorPrecondition(length > 0, "LanguageModelWindows: length \(length) must be positive")
    tensorPrecondition(
      tokens.count > length,
      "LanguageModelWindows: \(tokens.count) tokens cannot fill a window of \(length) plus its "
        + "next-token target")
    self.tokens = tokens
    self.length = length
  }

  /// A batch of `size` windows starting at random positions drawn from `generator`:
  /// `inputs` and `targets` are row-major `[size, length]` ids.
  public func randomBatch(
    size: Int, using generator: inout some RandomNumberGenerator
  ) -> (inputs: [Int], targets: [Int]) {
    tensorPrecondition(size > 0, "LanguageModelWindows: batch size \(size) must be positive")
    var inputs: [Int] = []
    var targets: [Int] = []
    inputs.reserveCapacity(size * length)
    targets.reserveCapacity(size * length)
    for _ in 0..<size {
      let start = Int.random(in: 0..<(tokens.count - length), using: &generator)
      inputs += tokens[start..<(start + length)]
      targets += tokens[(start + 1)..<(start + length + 1)]
    }
    return (inputs, targets)
  }
}

/// Text corpora bundled with the package.
public enum TextCorpus {
  /// The tiny-Shakespeare corpus of the char-rnn project: 1,115,394 characters of Shakespeare's
  /// plays (the text is in the public domain).
  ///
  /// - Throws: `DataError` if the resource is missing or unreadable (a broken installation).
  public static func tinyShakespeare() throws(DataError) -> String {
    guard let url = Bundle.module.url(forResource: "tinyshakespeare", withExtension: "txt") else {
      throw .resourceMissing(name: "tinyshakespeare.txt")
    }
    do {
      return try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw .unreadable(path: url.path, reason: error.localizedDescription)
    }
  }
}
