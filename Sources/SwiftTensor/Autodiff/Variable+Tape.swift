// The bookkeeping that lets a variable record on a tape and its entries reuse buffers: which
// live tape it is on, whether its value may still be read by an entry, and the gradient moves
// of the backward pass. A reader of `Variable.swift` can skip it.

extension Variable {
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

  /// Moves the gradient aside, leaving `nil`, for a backward pass to write its first
  /// contribution over the kept buffer (neither zeroed first nor allocated); the pass must end
  /// with `settleGradient()`. What the `Trainer` does each step.
  @inlinable
  func setGradientAside() {
    guard gradient != nil else { return }
    spareGradient = gradient.take()
  }

  /// Ends a backward pass begun with `setGradientAside()`: a variable that received no
  /// gradient gets its kept buffer back as zeros, as `zeroGradientKeepingBuffer()` leaves it.
  @inlinable
  func settleGradient() {
    guard spareGradient != nil else { return }
    if gradient == nil {
      gradient = spareGradient.take()
      zeroGradientKeepingBuffer()
    } else {
      spareGradient = nil
    }
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
    checkGradientForAnomaly(delta, from: operation())
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
      var written: Tensor<Scalar>
      if var spare = spareGradient.take(), spare.shape == shape {
        spare.withUnsafeMutableBufferPointer { buffer in
          if let base = buffer.baseAddress { write(base, false) }
        }
        written = spare
      } else {
        written = Tensor(shape: shape) { write($0, false) }
      }
      checkGradientForAnomaly(written, from: operation())
      gradient = written
      return
    }
    gradient = nil  // ours alone now, unless the caller kept a copy (then this copies it)
    existing.withUnsafeMutableBufferPointer { buffer in
      if let base = buffer.baseAddress { write(base, true) }
    }
    // The sum is checked: a non-finite one that was finite before came from this operation.
    checkGradientForAnomaly(existing, from: operation())
    gradient = existing
  }

  /// Checks a gradient `operation`'s backward pass produced for this variable when its tape
  /// detects anomalies (see `TapeAnomaly`): a flag test, and a call only when it is set.
  @inlinable
  func checkGradientForAnomaly(
    _ gradient: Tensor<Scalar>, from operation: @autoclosure () -> String
  ) {
    guard let record = tapeRecord, record._withUnsafeGuaranteedRef({ $0.detectsAnomalies })
    else { return }
    reportAnomaly(in: gradient, from: operation())
  }

  /// Records `gradient`'s first non-finite value on this variable's live tape, if any.
  @usableFromInline
  func reportAnomaly(in gradient: Tensor<Scalar>, from operation: String) {
    guard let record = tape else { return }
    // Entries run after being popped, so the running entry's position is the count left.
    record.check(gradient, producedBy: operation, at: record.count, in: .backward)
  }
}
