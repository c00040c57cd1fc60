/// One recorded operation: what it needs to push its outputs' gradients to its inputs.
///
/// An entry is a small struct written straight into its tape's arena (no allocation of its
/// own); `backpropagate()` runs once, in reverse recording order, on the entry moved out of
/// the arena, so whatever it holds is released as soon as it has run.
@usableFromInline
protocol TapeEntry {
  /// Accumulates the gradients of the recorded operation's inputs from those of its outputs.
  ///
  /// Mutating, so that an entry can check whether it holds the only reference to an output
  /// (whose gradient nobody else can then read, and whose buffer it may reuse).
  mutating func backpropagate()
}

/// An entry that is a closure: for operations whose backward pass is easiest to write inline.
@usableFromInline
struct ClosureTapeEntry: TapeEntry {
  @usableFromInline let body: () -> Void
  @inlinable init(_ body: @escaping () -> Void) { self.body = body }
  @inlinable func backpropagate() { body() }
}

/// What follows each entry in the arena: how to run or destroy it, and its size.
@usableFromInline
struct TapeEntryTrailer {
  /// Moves the entry at the pointer out of the arena, and runs it when the flag is true.
  @usableFromInline let consume: (UnsafeMutableRawPointer, Bool) -> Void
  /// The entry's size in bytes, rounded up to the arena's 16-byte alignment.
  @usableFromInline let size: Int

  @inlinable
  init(consume: @escaping (UnsafeMutableRawPointer, Bool) -> Void, size: Int) {
    self.consume = consume
    self.size = size
  }
}

/// The entries of a tape, which its variables refer to strongly.
///
/// Entries live in an arena of fixed-size blocks, taken from `TapeBlockPool` and returned to
/// it when the record is freed, so recording an operation costs no allocation beyond its
/// outputs, and a training loop's tape of each step records into the previous step's memory.
///
/// The public `Tape` is the owner's handle: when it is dropped, `close()` destroys the entries,
/// which breaks the cycle entries → recorded outputs → record, and marks the record dead, so
/// variables still referring to it behave as if on no tape. A strong reference rather than a
/// weak one to the `Tape`: a weak reference gives the tape a side table and makes every retain
/// of it, and every variable's creation and destruction, take the runtime's slow path.
@usableFromInline
final class TapeRecord {
  /// The first block of the arena (`nil` until something is recorded); each block links to the
  /// next and previous (see `TapeBlockHeader`), so recording needs no array of blocks.
  @usableFromInline @exclusivity(unchecked) var first: UnsafeMutableRawPointer?
  /// The block being written (`nil` before the first), and its first free byte's offset.
  @usableFromInline @exclusivity(unchecked) var current: UnsafeMutableRawPointer?
  @usableFromInline @exclusivity(unchecked) var top = TapeBlockPool.blockSize
  /// The number of entries recorded and not yet run.
  @usableFromInline @exclusivity(unchecked) var count = 0
  @usableFromInline @exclusivity(unchecked) var consumed = false
  /// False once the owning `Tape` is gone.
  @usableFromInline @exclusivity(unchecked) var isLive = true

  @usableFromInline static let trailerSize =
    (MemoryLayout<TapeEntryTrailer>.size + 15) & ~15

  @inlinable init() {}

  deinit {
    removeAll()
    if let first { TapeBlockPool.giveBack(chainStartingAt: first) }
  }

  /// The arena's blocks in order (for tests).
  var blocks: [UnsafeMutableRawPointer] {
    var result: [UnsafeMutableRawPointer] = []
    var block = first
    while let next = block {
      result.append(next)
      block = TapeBlockHeader.at(next).pointee.next
    }
    return result
  }

  /// Records `backpropagate`, a closure run once by `backward()`.
  @inlinable
  func record(_ backpropagate: @escaping () -> Void) {
    record(ClosureTapeEntry(backpropagate))
  }

  /// Records `entry`, moving it into the arena.
  @inlinable
  func record<Entry: TapeEntry>(_ entry: consuming Entry) {
    if consumed { recordingAfterBackwardFailure() }
    let size = (MemoryLayout<Entry>.size + 15) & ~15
    let needed = size + Self.trailerSize
    if MemoryLayout<Entry>.alignment > 16
      || needed > TapeBlockPool.blockSize - TapeBlockHeader.size
    {
      // Too large for a block (no entry of this library is): boxed in a closure instead.
      var boxed = entry
      record(ClosureTapeEntry { boxed.backpropagate() })
      return
    }
    if top + needed > TapeBlockPool.blockSize { advanceBlock() }
    guard let block = current else { preconditionFailure("TapeRecord: no block after advancing") }
    let address = block + top
    address.initializeMemory(as: Entry.self, to: consume entry)
    (address + size).initializeMemory(
      as: TapeEntryTrailer.self,
      to: TapeEntryTrailer(consume: TapeRecord.consume(Entry.self), size: size))
    top += needed
    count += 1
  }

  /// The function that moves an `Entry` out of the arena and runs it (or only destroys it).
  @inlinable
  static func consume<Entry: TapeEntry>(_: Entry.Type) -> (UnsafeMutableRawPointer, Bool) -> Void {
    { address, run in
      var entry = address.assumingMemoryBound(to: Entry.self).move()
      if run { entry.backpropagate() }
    }
  }

  /// Moves writing to the next block, taking one from the pool if this record has no more.
  @usableFromInline
  func advanceBlock() {
    let next: UnsafeMutableRawPointer
    if let block = current {
      let header = TapeBlockHeader.at(block)
      header.pointee.used = top
      if let kept = header.pointee.next {
        next = kept
      } else {
        next = TapeBlockPool.take(after: block)
        header.pointee.next = next
      }
    } else if let first {
      next = first
    } else {
      next = TapeBlockPool.take(after: nil)
      first = next
    }
    current = next
    top = TapeBlockHeader.size
  }

  /// Moves the last entry out of the arena and runs it (or only destroys it).
  @inlinable
  func popLast(running run: Bool) {
    guard var block = current else { preconditionFailure("TapeRecord: popping an empty record") }
    while top == TapeBlockHeader.size {
      guard let previous = TapeBlockHeader.at(block).pointee.previous else {
        preconditionFailure("TapeRecord: popping an empty record")
      }
      block = previous
      top = TapeBlockHeader.at(block).pointee.used
    }
    current = block
    let trailerAddress = block + top - Self.trailerSize
    let trailer = trailerAddress.assumingMemoryBound(to: TapeEntryTrailer.self).move()
    top -= trailer.size + Self.trailerSize
    count -= 1
    trailer.consume(block + top, run)
  }

  @usableFromInline
  func recordingAfterBackwardFailure() -> Never {
    tensorFailure(
      "Tape: recording on a tape whose backward() already ran; call reset() or use a new tape")
  }

  /// Destroys every entry without running it, keeping the arena's blocks.
  func removeAll() {
    while count > 0 { popLast(running: false) }
  }

  func close() {
    isLive = false
    removeAll()
  }

  /// Runs every entry in reverse order, then drops them.
  @usableFromInline
  func backpropagate() {
    // `Variable.backward(seed:)`, the only caller, has checked `consumed` before seeding.
    consumed = true
    // Each entry is destroyed as soon as it has run, which frees what only it kept alive (its
    // outputs, their gradients, saved tensors) while later entries still allocate: memory is
    // reused at once instead of piling up until the end.
    while count > 0 { popLast(running: true) }
  }
}
