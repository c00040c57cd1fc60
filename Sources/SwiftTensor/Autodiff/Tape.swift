/// The record of one forward pass: every operation applied to its variables, in order.
///
/// A training step makes a tape, puts its inputs on it, computes a loss, and calls
/// `loss.backward()`, which walks the record once in reverse, accumulating gradients; the
/// record is then cleared. The tape owns the recorded graph: dropping the tape frees it, and a
/// variable whose tape was dropped records nothing more.
///
/// ```swift
/// let tape = Tape<Float>()
/// let x = tape.variable(batch)
/// let loss = x.matmul(w).sigmoid().sum()
/// loss.backward()   // w.gradient is now set
/// ```
///
/// A tape is not thread-safe; use one per concurrent computation. There is no global tape.
public final class Tape<Scalar: TensorScalar> {
  /// What the variables of this tape refer to.
  @usableFromInline let record = TapeRecordPool.take()

  /// Creates an empty tape.
  public init() {}

  deinit { TapeRecordPool.giveBack(record) }

  /// The number of operations recorded so far.
  public var count: Int { record.count }

  /// A variable on this tape holding `value`; operations applied to it are recorded.
  ///
  /// Its gradient is computed by `backward()` (as every variable on a tape), which is what a
  /// gradient check reads.
  public func variable(_ value: Tensor<Scalar>, name: String = "") -> Variable<Scalar> {
    Variable(value: value, name: name, tape: Unmanaged.passUnretained(record), needsGradient: true)
  }

  /// Puts an existing variable (a parameter) on this tape, so operations on it alone are
  /// recorded too; it keeps its identity and gradient.
  public func watch(_ variable: Variable<Scalar>) {
    variable.setTape(Unmanaged.passUnretained(record))
    variable.needsGradient = true
  }

  /// Whether every operation's output and every gradient of the backward pass is checked for
  /// NaN and infinity, the first one found being kept in `firstAnomaly`; off by default.
  ///
  /// Like PyTorch's `detect_anomaly`, for finding which operation broke a training step: each
  /// check reads the whole tensor, so a recording runs noticeably slower.
  public var detectsAnomalies: Bool {
    get { record.detectsAnomalies }
    set { record.detectsAnomalies = newValue }
  }

  /// The first operation whose output or input gradient held a NaN or an infinity, while
  /// `detectsAnomalies` was on; `nil` if none (or if detection was off).
  public var firstAnomaly: TapeAnomaly? { record.firstAnomaly }

  /// Forgets every recorded operation, so the tape can record a new step.
  public func reset() {
    record.removeAll()
    record.consumed = false
    record.firstAnomaly = nil
  }
}
