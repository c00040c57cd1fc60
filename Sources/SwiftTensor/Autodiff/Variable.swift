/// A node of the computation: a tensor value, its gradient, a name, and whether an optimiser
/// trains it.
///
/// Variables are references: a parameter keeps its identity across training steps while its
/// value changes in place. A variable created on a tape (`tape.variable(_:)`), or computed by an
/// operation from one, records every operation applied to it; `backward()` then fills the
/// `gradient` of every variable it depends on that needs one (trainable variables and the
/// variables of the tape). Variables not on a tape record nothing and cost nothing.
///
/// ```swift
/// let v = Variable(Tensor<Float>.random(shape: [5], seed: 1), name: "hello")
/// print(v)
/// ```
public final class Variable<Scalar: TensorScalar> {
  /// The current value.
  ///
  /// The output of an operation recorded on a tape cannot be given a new value until that
  /// tape's `backward()` or `reset()` has run (or the tape is gone): the backward pass reads
  /// the value it computed, as PyTorch's autograd refuses in-place changes to saved tensors.
  /// Inputs and parameters can change at any time; the tape captured their values.
  @inlinable public var value: Tensor<Scalar> {
    get { storedValue }
    set {
      storedValue = newValue
      if producer != nil, tapeRecord != nil { checkValueMayChange() }
    }
    _modify {
      yield &storedValue
      if producer != nil, tapeRecord != nil { checkValueMayChange() }
    }
  }
  /// The storage of `value`.
  @usableFromInline
  @exclusivity(unchecked) var storedValue: Tensor<Scalar>
  /// The gradient of the last `backward()` with respect to this variable, accumulated over
  /// backward passes until `zeroGradient()`; `nil` before any.
  @exclusivity(unchecked) public var gradient: Tensor<Scalar>?
  /// A name for printing and for parameter paths; an operation's output is named after the
  /// operation unless given one.
  public var name: String {
    get { explicitName ?? producer.map(operationName) ?? "" }
    set { explicitName = newValue }
  }
  @usableFromInline
  @exclusivity(unchecked) var explicitName: String?
  /// The type of the operation that computed this variable; its name is derived only when
  /// asked for, since reflecting a type name costs microseconds per operation.
  @usableFromInline let producer: Any.Type?
  /// The record of the tape this variable records on, if any, unretained: records are never
  /// freed (see `TapeRecordPool`), and `tapeGeneration` tells whether it still holds the
  /// recording this variable belongs to.
  @usableFromInline
  @exclusivity(unchecked) var tapeRecord: Unmanaged<TapeRecord>?
  /// The record's `generation` when this variable was put on it.
  @usableFromInline
  @exclusivity(unchecked) var tapeGeneration = 0
  /// The record of the tape this variable records on, if that tape is still alive.
  @inlinable
  var tape: TapeRecord? {
    liveTape?.takeUnretainedValue()
  }
  /// `tape`, unretained.
  @inlinable
  var liveTape: Unmanaged<TapeRecord>? {
    guard let tapeRecord,
      tapeRecord._withUnsafeGuaranteedRef({ $0.generation }) == tapeGeneration
    else { return nil }
    return tapeRecord
  }
  /// Puts this variable on `record`, at its current generation and epoch.
  @inlinable
  func setTape(_ record: Unmanaged<TapeRecord>) {
    tapeRecord = record
    (tapeGeneration, tapeEpoch) = record._withUnsafeGuaranteedRef { ($0.generation, $0.epoch) }
  }
  /// Whether this variable records on `record`, or on no live tape (compared without
  /// retaining either).
  @inlinable
  func isOnTapeOrNone(_ record: Unmanaged<TapeRecord>) -> Bool {
    guard let live = liveTape else { return true }
    return live.toOpaque() == record.toOpaque()
  }
  /// Whether a gradient flows to this variable: trainable, on a tape, or computed from one.
  @usableFromInline
  @exclusivity(unchecked) var needsGradient: Bool
  /// Whether this was computed, off any tape, from trainable variables.
  @usableFromInline
  @exclusivity(unchecked) var untrackedTrainable = false
  // The flags are declared together, after the references, to keep the object small.
  /// Whether optimisers update this variable, and whether `backward()` computes its gradient.
  @exclusivity(unchecked) public var isTrainable: Bool
  /// The record's `epoch` when this variable was computed on it: while it is current, an entry
  /// may still read this variable's value.
  @usableFromInline
  @exclusivity(unchecked) var tapeEpoch: UInt32 = 0

  /// Creates a leaf variable (a parameter when `trainable`), not on any tape.
  public init(_ value: Tensor<Scalar>, name: String = "", trainable: Bool = true) {
    self.storedValue = value
    self.explicitName = name
    self.producer = nil
    self.isTrainable = trainable
    self.needsGradient = trainable
  }

  @inlinable
  init(
    value: Tensor<Scalar>, name: String? = nil, producer: Any.Type? = nil,
    tape: Unmanaged<TapeRecord>?,
    needsGradient: Bool
  ) {
    self.storedValue = value
    self.explicitName = name
    self.producer = producer
    self.isTrainable = false
    self.needsGradient = needsGradient
    if let tape { setTape(tape) }
  }

  /// The shape of the value.
  public var shape: [Int] { value.shape }

  /// Stops if this variable is the output of an operation whose entry may still read it: on a
  /// live tape whose entries have not been dropped since (by `backward()` or `reset()`).
  @usableFromInline
  func checkValueMayChange() {
    guard let tape, tape.epoch == tapeEpoch else { return }
    tensorFailure(
      "Variable\(name.isEmpty ? "" : " '\(name)'"): the value of an operation's output was set "
        + "before its tape's backward() ran, which reads it; compute a new variable instead "
        + "(or set it after backward() or reset())")
  }

  /// Runs `body` on the value moved out of the variable and back: no copy, where reading the
  /// property for a call that the compiler cannot see through copies it (a retain and a
  /// release of its shape and of its storage). The value is not in the variable meanwhile, so
  /// `body` must not reach this variable: only the library's own operations run here.
  @inlinable
  func withMovedValue<Result>(_ body: (Tensor<Scalar>) -> Result) -> Result {
    withUnsafeMutablePointer(to: &storedValue) { pointer in
      let value = pointer.move()
      defer { pointer.initialize(to: value) }
      return body(value)
    }
  }

  /// Forgets the accumulated gradient.
  @inlinable
  public func zeroGradient() { gradient = nil }

  /// Sets the gradient to zeros in place, keeping its buffer for the next backward pass to
  /// accumulate into (see `zeroGradientsKeepingBuffers`); a `nil` gradient stays `nil`.
  @inlinable
  func zeroGradientKeepingBuffer() {
    guard var kept = gradient else { return }
    gradient = nil  // so the buffer is ours alone and zeroed in place
    kept.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      Scalar._unaryKernel(.fill(0), base, base, count: buffer.count)
    }
    gradient = kept
  }

  /// Moves the gradient out, leaving `nil`: a caller holding the only reference to the result
  /// can then update its buffer in place.
  @inlinable
  func takeGradient() -> Tensor<Scalar>? {
    let taken = gradient
    gradient = nil
    return taken
  }

  /// Adds `delta` to the gradient (the first contribution is stored as is).
  @inlinable
  func accumulateGradient(_ delta: Tensor<Scalar>, from operation: @autoclosure () -> String) {
    tensorPrecondition(
      delta.shape == value.shape,
      "\(operation()).backward: gradient of shape \(describe(shape: delta.shape)) for an input of "
        + "shape \(describe(shape: value.shape))")
    guard var existing = gradient else {
      gradient = delta
      return
    }
    // In place when the gradient buffer is ours alone (a weight shared by every time step of
    // a recurrent network accumulates once per step): no new parameter-sized tensor each time.
    gradient = nil
    existing.addInPlace(delta)
    gradient = existing
  }

  /// Adds a gradient contribution of `shape` that `write` produces straight into the gradient's
  /// buffer: with `accumulate` true it must add to what is there (a matrix product with
  /// `beta = 1`, say), with false it must overwrite it (the first contribution). A gradient
  /// kept from an earlier step (see `zeroGradientsKeepingBuffers`) is reused in place, so a
  /// parameter's gradient costs no allocation per step. O(1) plus `write`.
  @inlinable
  func accumulateGradient(
    shape: [Int], from operation: @autoclosure () -> String,
    write: (UnsafeMutablePointer<Scalar>, _ accumulate: Bool) -> Void
  ) {
    tensorPrecondition(
      shape == value.shape,
      "\(operation()).backward: gradient of shape \(describe(shape: shape)) for an input of "
        + "shape \(describe(shape: value.shape))")
    guard var existing = gradient else {
      gradient = Tensor(shape: shape) { write($0, false) }
      return
    }
    gradient = nil  // ours alone now, unless the caller kept a copy (then this copies it)
    existing.withUnsafeMutableBufferPointer { buffer in
      if let base = buffer.baseAddress { write(base, true) }
    }
    gradient = existing
  }

  /// Backpropagates from this variable, which must hold a single scalar (a loss): its gradient
  /// is seeded with 1.
  ///
  /// The tape is walked once in reverse, then reset; a second `backward()` on the same tape
  /// stops with a message (record the step again instead).
  public func backward() {
    tensorPrecondition(
      value.scalarCount == 1,
      "backward: the variable \(name.isEmpty ? "" : "'\(name)' ")has shape "
        + "\(describe(shape: value.shape)); backward() without a seed needs a single scalar "
        + "(use backward(seed:) for other shapes)")
    backward(seed: Tensor(repeating: 1, shape: value.shape))
  }

  /// Backpropagates from this variable with an explicit gradient `seed` of its shape.
  public func backward(seed: Tensor<Scalar>) {
    tensorPrecondition(
      seed.shape == value.shape,
      "backward: seed of shape \(describe(shape: seed.shape)) for a variable of shape "
        + "\(describe(shape: value.shape))")
    guard let tape else {
      tensorFailure(
        "backward: the variable \(name.isEmpty ? "" : "'\(name)' ")was not computed on a live "
          + "tape; create the inputs with tape.variable(_:) (or tape.watch(_:) the parameters) "
          + "and keep the tape alive until backward()")
    }
    tensorPrecondition(
      !tape.consumed,
      "backward: this tape's backward() already ran and its record was dropped; record the "
        + "computation again on a new tape (or reset())")
    accumulateGradient(seed, from: "backward")
    tape.backpropagate()
  }
}

extension Variable: CustomStringConvertible {
  /// pytensor's layout: the name, then the value and the gradient.
  public var description: String {
    let gradientText = gradient.map { "\($0)" } ?? "nil"
    return """
      Variable {name: \(name)}
      - value    : \(value)
      - gradient : \(gradientText)
      """
  }
}
