import Foundation

/// Reports training progress: a redrawn bar with rate and ETA on standard error when it is a
/// terminal, and one line per epoch on standard output otherwise (logs stay readable).
///
/// Each epoch line is flushed as soon as it is printed: standard output into a pipe or a file
/// is block-buffered, which would hold the lines until exit (and lose them if the program is
/// killed). Flushing the C stream, rather than writing around it, keeps the lines in order
/// with what the program itself prints.
@usableFromInline
final class ProgressReporter {
  private let enabled: Bool
  private let isTerminal: Bool
  private var lastDraw = Date.distantPast

  @usableFromInline
  init(enabled: Bool) {
    self.enabled = enabled
    isTerminal = isatty(STDERR_FILENO) != 0
  }

  @usableFromInline
  func update(epoch: Int, of epochs: Int, seen: Int, total: Int, since start: Date) {
    guard enabled, isTerminal else { return }
    let now = Date()
    // Redraw at most 10 times a second: drawing costs more than a small training step.
    guard now.timeIntervalSince(lastDraw) > 0.1 || seen == total else { return }
    lastDraw = now
    let elapsed = now.timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(seen) / elapsed : 0
    let remaining = rate > 0 ? Double(total - seen) / rate : 0
    let width = 30
    let filled = total > 0 ? width * seen / total : width
    let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
    let line =
      "\repoch \(epoch)/\(epochs) [\(bar)] \(seen)/\(total) "
      + "\(Int(rate)) samples/s ETA \(String(format: "%.1f", remaining))s "
    FileHandle.standardError.write(Data(line.utf8))
  }

  @usableFromInline
  func finish(_ record: EpochRecord, of epochs: Int) {
    guard enabled else { return }
    if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    var line =
      "epoch \(record.epoch)/\(epochs)  loss \(String(format: "%.4f", record.trainingLoss))"
    for (name, value) in record.trainingMetrics.sorted(by: { $0.key < $1.key }) {
      line += "  \(name) \(String(format: "%.4f", value))"
    }
    if let loss = record.validationLoss { line += "  val_loss \(String(format: "%.4f", loss))" }
    for (name, value) in record.validationMetrics.sorted(by: { $0.key < $1.key }) {
      line += "  val_\(name) \(String(format: "%.4f", value))"
    }
    line += "  \(String(format: "%.3f", record.seconds))s"
    print(line)
    // All C output streams: naming `stdout` is not concurrency-safe in Swift 6.
    fflush(nil)
  }
}
