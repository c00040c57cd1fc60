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
  @usableFromInline let record = TapeRecord()

  /// Creates an empty tape.
  public init() {}

  deinit { record.close() }

  /// The number of operations recorded so far.
  public var count: Int { record.entries.count }

  /// A variable on this tape holding `value`; operations applied to it are recorded.
  ///
  /// Its gradient is computed by `backward()` (as every variable on a tape), which is what a
  /// gradient check reads.
  public func variable(_ value: Tensor<Scalar>, name: String = "") -> Variable<Scalar> {
    Variable(value: value, name: name, tape: record, needsGradient: true)
  }

  /// Puts an existing variable (a parameter) on this tape, so operations on it alone are
  /// recorded too; it keeps its identity and gradient.
  public func watch(_ variable: Variable<Scalar>) {
    variable.tapeRecord = record
    variable.needsGradient = true
  }

  /// Forgets every recorded operation, so the tape can record a new step.
  public func reset() {
    record.entries.removeAll(keepingCapacity: true)
    record.consumed = false
  }
}

/// One recorded operation: how to push its outputs' gradients to its inputs.
///
/// Not generic, so recording one needs no run-time type metadata.
@usableFromInline
struct TapeEntry {
  @usableFromInline let backpropagate: () -> Void
  @inlinable init(backpropagate: @escaping () -> Void) { self.backpropagate = backpropagate }
}

/// The entries of a tape, which its variables refer to strongly.
///
/// The public `Tape` is the owner's handle: when it is dropped, `close()` clears the entries,
/// which breaks the cycle entries → recorded outputs → record, and marks the record dead, so
/// variables still referring to it behave as if on no tape. A strong reference rather than a
/// weak one to the `Tape`: a weak reference gives the tape a side table and makes every retain
/// of it, and every variable's creation and destruction, take the runtime's slow path.
@usableFromInline
final class TapeRecord {
  @usableFromInline @exclusivity(unchecked) var entries: [TapeEntry] = []
  @usableFromInline @exclusivity(unchecked) var consumed = false
  /// False once the owning `Tape` is gone.
  @usableFromInline @exclusivity(unchecked) var isLive = true

  @inlinable init() {}

  @inlinable
  func record(_ backpropagate: @escaping () -> Void) {
    if consumed { recordingAfterBackwardFailure() }
    entries.append(TapeEntry(backpropagate: backpropagate))
  }

  @usableFromInline
  func recordingAfterBackwardFailure() -> Never {
    tensorFailure(
      "Tape: recording on a tape whose backward() already ran; call reset() or use a new tape")
  }

  func close() {
    isLive = false
    entries.removeAll()
  }

  /// Runs every entry in reverse order, then drops them.
  @usableFromInline
  func backpropagate() {
    // `Variable.backward(seed:)`, the only caller, has checked `consumed` before seeding.
    consumed = true
    // Each entry is dropped as soon as it has run, which frees what only it kept alive (its
    // outputs, their gradients, saved tensors) while later entries still allocate: memory is
    // reused at once instead of piling up until the end.
    while let entry = entries.popLast() {
      entry.backpropagate()
    }
  }
}
