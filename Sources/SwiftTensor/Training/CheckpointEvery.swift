import Foundation

/// Saves a checkpoint every `interval` epochs, for resuming, and never one of a broken model.
///
/// With `keeping: 1` (the default) the checkpoint at `url` is replaced each time, atomically.
/// With more, each checkpoint gets its epoch in its name beside `url`
/// (`run.safetensors` gives `run-epoch-000004.safetensors`) and the oldest beyond `keeping` are
/// deleted; `latestCheckpoint(at:)` finds the newest for `Trainer.resume(from:)`.
///
/// A model with a NaN or an infinity in its parameters or buffers is not saved: the callback
/// throws `NonFiniteParameterError`, which stops `fit` and leaves the last good checkpoint in
/// place.
public struct CheckpointEvery<M: Model, O: Optimizer, L: TrainingLoss>: TrainingCallback
where O.Scalar == M.Scalar, L.Scalar == M.Scalar {
  /// Epochs between checkpoints.
  public let interval: Int
  /// Where the checkpoint is written, or beside which the numbered ones are.
  public let url: URL
  /// How many checkpoints are kept.
  public let keeping: Int
  /// The trainer whose state is saved.
  public let trainer: Trainer<M, O, L>

  /// Creates the callback.
  ///
  /// - Precondition: `interval` and `keeping` are positive.
  public init(_ interval: Int, to url: URL, trainer: Trainer<M, O, L>, keeping: Int = 1) {
    tensorPrecondition(interval > 0, "CheckpointEvery: interval \(interval) must be positive")
    tensorPrecondition(keeping > 0, "CheckpointEvery: keeping \(keeping) must be positive")
    self.interval = interval
    self.url = url
    self.keeping = keeping
    self.trainer = trainer
  }

  /// Writes the checkpoint on every `interval`-th epoch.
  ///
  /// - Throws: `NonFiniteParameterError` (nothing written) or `CheckpointError`.
  public mutating func epochEnded(_ record: EpochRecord) throws -> Bool {
    guard record.epoch % interval == 0 else { return true }
    // A buffer is checked too: a NaN running variance breaks evaluation as surely.
    for parameter in trainer.model.parameters + trainer.model.buffers {
      if let (index, value) = parameter.variable.value.firstNonFinite {
        throw NonFiniteParameterError(
          epoch: record.epoch, parameter: parameter.path, index: index, value: Double(value))
      }
    }
    // In data-parallel training rank 0 alone writes and deletes checkpoints.
    guard trainer.communicator.rank == 0 else { return true }
    if keeping == 1 {
      try trainer.saveCheckpoint(to: url)
      return true
    }
    try trainer.saveCheckpoint(to: Self.numbered(url, epoch: record.epoch))
    for old in Self.numberedCheckpoints(at: url).dropLast(keeping) {
      do {
        try FileManager.default.removeItem(at: old)
      } catch {
        throw CheckpointError.fileSystem(
          path: old.path, operation: "remove an old checkpoint", reason: "\(error)")
      }
    }
    return true
  }

  /// `url` with `-epoch-` and the zero-padded epoch before its extension.
  static func numbered(_ url: URL, epoch: Int) -> URL {
    let name = url.deletingPathExtension().lastPathComponent
    let padded = String(repeating: "0", count: max(0, 6 - String(epoch).count)) + String(epoch)
    let numbered = url.deletingLastPathComponent()
      .appendingPathComponent("\(name)-epoch-\(padded)")
    return url.pathExtension.isEmpty ? numbered : numbered.appendingPathExtension(url.pathExtension)
  }

  /// The numbered checkpoints beside `url` (see `keeping`), oldest first.
  public static func numberedCheckpoints(at url: URL) -> [URL] {
    let directory = url.deletingLastPathComponent()
    let prefix = url.deletingPathExtension().lastPathComponent + "-epoch-"
    let suffix = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    let epochs: [(Int, String)] = names.compactMap { name in
      guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
      let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
      guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let epoch = Int(digits) else {
        return nil
      }
      return (epoch, name)
    }
    return epochs.sorted { $0.0 < $1.0 }.map { directory.appendingPathComponent($0.1) }
  }

  /// The newest numbered checkpoint beside `url`, else `url` if it exists, else `nil`.
  public static func latestCheckpoint(at url: URL) -> URL? {
    numberedCheckpoints(at: url).last
      ?? (FileManager.default.fileExists(atPath: url.path) ? url : nil)
  }
}
