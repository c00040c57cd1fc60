/// The characters of a text, each with an id: the vocabulary of a character-level model.
///
/// Ids follow the characters' sorted order (char-rnn's convention), so the same text gives
/// the same ids on every run. An optional unknown character (id 0) stands for characters the
/// text did not contain; without one, encoding such a character stops with a message.
///
/// ```swift
/// let vocabulary = CharacterVocabulary(text: "hello")
/// vocabulary.encode("hole")                    // [2, 3, 1, 0]
/// vocabulary.decode([2, 0, 1, 1, 3])           // "hello"
/// ```
public struct CharacterVocabulary: Sendable, Equatable {
  /// The characters, in id order.
  public let characters: [Character]
  /// The id unknown characters map to, if any.
  public let unknownID: Int?
  private let ids: [Character: Int]

  /// The distinct characters of `text`, sorted, after `unknown` (id 0) when given.
  public init(text: String, unknown: Character? = nil) {
    var seen = Set(text)
    if let unknown { seen.remove(unknown) }
    characters = (unknown.map { [$0] } ?? []) + seen.sorted()
    unknownID = unknown == nil ? nil : 0
    ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
  }

  /// The number of ids.
  public var count: Int { characters.count }

  /// The id of each character of `text`.
  ///
  /// - Precondition: every character is in the vocabulary, or it has an unknown character.
  public func encode(_ text: String) -> [Int] {
    text.map { character in
      guard let id = ids[character] ?? unknownID else {
        tensorFailure(
          "CharacterVocabulary: character \(String(reflecting: String(character))) is not in "
            + "the vocabulary of \(count) characters, which has no unknown character")
      }
      return id
    }
  }

  /// The text of `ids`.
  ///
  /// - Precondition: every id is in `0..<count`.
  public func decode(_ ids: [Int]) -> String {
    String(
      ids.map { id in
        tensorPrecondition(
          characters.indices.contains(id),
          "CharacterVocabulary: id \(id) is outside the vocabulary of \(count) characters")
        return characters[id]
      })
  }
}

/// The words of a text, each with an id: the vocabulary of a word-level model.
///
/// Words are the text's whitespace-separated pieces. Words seen fewer than `minimumFrequency`
/// times map to the unknown token (id 0). Ids follow decreasing frequency, then alphabetical
/// order, so frequent words get small ids and the same text gives the same ids every run.
///
/// ```swift
/// let vocabulary = WordVocabulary(text: "the cat and the hat", minimumFrequency: 2)
/// vocabulary.words                      // ["<unk>", "the"]
/// vocabulary.encode("the dog")          // [1, 0]
/// ```
public struct WordVocabulary: Sendable, Equatable {
  /// The words in id order; the unknown token is first.
  public let words: [String]
  /// The id of the unknown token: 0.
  public let unknownID = 0
  private let ids: [String: Int]

  /// The words of `text` seen at least `minimumFrequency` times, after `unknownToken`.
  ///
  /// - Precondition: `minimumFrequency` is at least 1.
  public init(text: String, minimumFrequency: Int = 1, unknownToken: String = "<unk>") {
    tensorPrecondition(
      minimumFrequency >= 1,
      "WordVocabulary: minimum frequency \(minimumFrequency) must be at least 1")
    var counts: [String: Int] = [:]
    for word in Self.tokenize(text) where word != unknownToken { counts[word, default: 0] += 1 }
    let kept = counts.filter { $0.value >= minimumFrequency }
      .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      .map(\.key)
    words = [unknownToken] + kept
    ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
  }

  /// The number of ids, the unknown token included.
  public var count: Int { words.count }

  /// The text's whitespace-separated words.
  public static func tokenize(_ text: String) -> [String] {
    text.split(whereSeparator: \.isWhitespace).map(String.init)
  }

  /// The id of each word of `text`; unknown words give `unknownID`.
  public func encode(_ text: String) -> [Int] {
    Self.tokenize(text).map { ids[$0] ?? unknownID }
  }

  /// The words of `ids`, joined by single spaces.
  ///
  /// - Precondition: every id is in `0..<count`.
  public func decode(_ ids: [Int]) -> String {
    ids.map { id in
      tensorPrecondition(
        words.indices.contains(id),
        "WordVocabulary: id \(id) is outside the vocabulary of \(count) words")
      return words[id]
    }.joined(separator: " ")
  }
}
