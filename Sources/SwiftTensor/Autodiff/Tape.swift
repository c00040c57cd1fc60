/// The record of one forward pass: every operation applied to its variables, in order.
///
/// A training step makes a tape, puts its inputs on it, computes a loss, and calls
/// `loss.backward()`, which walks the record once in reverse, accumulating gradients; the
/// record is then cleared. The tape owns the recorded graph; variables refer to it weakly, so
/// dropping the tape frees the graph.
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
  /// One recorded operation: how to push its outputs' gradients to its inputs.
  @usableFromInline
  struct Entry {
    @usableFromInline let backpropagate: () -> Void
    @usableFromInline init(backpropagate: @escaping () -> Void) {
      self.backpropagate = backpropagate
    }
  }

  @exclusivity(unchecked) private(set) var entries: [Entry] = []
  @exclusivity(unchecked) private var consumed = false

  /// Creates an empty tape.
  public init() {}

  /// The number of operations recorded so far.
  public var count: Int { entries.count }

  /// A variable on this tape holding `value`; operations applied to it are recorded.
  ///
  /// Its gradient is computed by `backward()` (as every variable on a tape), which is what a
  /// gradient check reads.
  public func variable(_ value: Tensor<Scalar>, name: String = "") -> Variable<Scalar> {
    Variable(value: value, name: name, tape: self, needsGradient: true)
  }

  /// Puts an existing variable (a parameter) on this tape, so operations on it alone are
  /// recorded too; it keeps its identity and gradient.
  public func watch(_ variable: Variable<Scalar>) {
    variable.tape = self
    variable.needsGradient = true
  }

  /// Forgets every recorded operation, so the tape can record a new step.
  public func reset() {
    entries.removeAll(keepingCapacity: true)
    consumed = false
  }

  @usableFromInline
  func record(_ entry: Entry) {
    tensorPrecondition(
      !consumed,
      "Tape: recording on a tape whose backward() already ran; call reset() or use a new tape")
    entries.append(entry)
  }

  func backpropagate(from root: Variable<Scalar>, seed: Tensor<Scalar>) {
    tensorPrecondition(
      !consumed,
      "backward: this tape's backward() already ran and its record was dropped; record the "
        + "computation again on a new tape (or reset())")
    root.accumulateGradient(seed, from: "backward")
    // An index loop: iterating `reversed()` went through unspecialised witnesses here.
    var index = entries.count
    while index > 0 {
      index -= 1
      entries[index].backpropagate()
    }
    entries.removeAll(keepingCapacity: true)
    consumed = true
  }
}
