import Foundation

/// A batch for language modelling: token windows and, for each token, the next one.
public struct TokenBatch: Sendable, Equatable {
  /// Sequences in the batch.
  public let batchSize: Int
  /// Tokens per sequence.
  public let sequenceLength: Int
  /// The input ids, row-major `[batchSize, sequenceLength]`.
  public let inputs: [Int]
  /// The next token after each input, row-major `[batchSize, sequenceLength]` (flattened: the
  /// labels of logits `[batchSize·sequenceLength, vocabulary]`).
  public let targets: [Int]

  /// The inputs as a tensor `[batchSize, sequenceLength]` of integral values, the form an
  /// `Embedding` layer takes through `Model.forward`.
  public func inputTensor<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
    Tensor(shape: [batchSize, sequenceLength], scalars: inputs.map { Scalar($0) })
  }

  /// The batch as the `Trainer` takes it: inputs `[batch, time]`, one label per token.
  public func trainingBatch<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Batch<Scalar>
  {
    Batch(inputs: inputTensor(), labels: targets)
  }
}

/// Cuts a long token stream into `[batch, time]` windows with next-token targets.
///
/// Two orders: `randomBatch(using:)` draws each window's start uniformly (char-rnn's sampling,
/// seeded); `sequentialBatch(_:)` splits the stream into `batchSize` contiguous lanes and gives
/// their consecutive windows, so row `b` of batch `k + 1` continues row `b` of batch `k`: carry
/// the recurrent state between them (detached) for truncated backpropagation through time.
public struct TokenWindows: Sendable {
  /// The stream.
  public let tokens: [Int]
  /// Windows per batch.
  public let batchSize: Int
  /// Tokens per window.
  public let sequenceLength: Int

  /// Creates the windows.
  ///
  /// - Precondition: sizes are positive and the stream holds at least one window and its
  ///   target (`sequenceLength + 1` tokens).
  public init(tokens: [Int], batchSize: Int, sequenceLength: Int) {
    tensorPrecondition(
      batchSize > 0 && sequenceLength > 0,
      "TokenWindows: batch size \(batchSize) and sequence length \(sequenceLength) must be "
        + "positive")
    tensorPrecondition(
      tokens.count > sequenceLength,
      "TokenWindows: \(tokens.count) tokens are too few for one window of \(sequenceLength) "
        + "and its next-token targets")
    self.tokens = tokens
    self.batchSize = batchSize
    self.sequenceLength = sequenceLength
  }

  /// The window starting at each of `starts`.
  func batch(starts: [Int]) -> TokenBatch {
    var inputs: [Int] = []
    var targets: [Int] = []
    inputs.reserveCapacity(starts.count * sequenceLength)
    targets.reserveCapacity(starts.count * sequenceLength)
    for start in starts {
      inputs += tokens[start..<start + sequenceLength]
      targets += tokens[start + 1...start + sequenceLength]
    }
    return TokenBatch(
      batchSize: starts.count, sequenceLength: sequenceLength, inputs: inputs, targets: targets)
  }

  /// `batchSize` windows starting at uniformly random positions drawn from `generator`.
  public func randomBatch(using generator: inout SeededGenerator) -> TokenBatch {
    let positions = tokens.count - sequenceLength
    return batch(
      starts: (0..<batchSize).map { _ in uniformIndex(below: positions, using: &generator) })
  }

  /// Consecutive batches per pass over the lanes: each lane holds
  /// `(tokens.count - 1) / batchSize` tokens.
  public var sequentialBatchCount: Int {
    ((tokens.count - 1) / batchSize) / sequenceLength
  }

  /// The `index`-th window of every lane (wrapping around after `sequentialBatchCount`).
  ///
  /// - Precondition: the stream holds at least `batchSize·sequenceLength + 1` tokens.
  public func sequentialBatch(_ index: Int) -> TokenBatch {
    let count = sequentialBatchCount
    tensorPrecondition(
      count > 0,
      "TokenWindows: \(tokens.count) tokens are too few for \(batchSize) lanes of "
        + "\(sequenceLength) tokens")
    let lane = (tokens.count - 1) / batchSize
    let offset = (index % count) * sequenceLength
    return batch(starts: (0..<batchSize).map { $0 * lane + offset })
  }
}

/// Tiny Shakespeare: about 1.1 million characters of Shakespeare's plays, the corpus of
/// Karpathy's char-rnn (public domain text), bundled as `tinyshakespeare.txt`.
public enum TinyShakespeare {
  /// The whole text.
  ///
  /// - Throws: `DataError` if the resource is missing or unreadable (a broken installation).
  public static func text() throws(DataError) -> String {
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
