// The tape's arena: where entries live between recording and `backward()`. A speed device a
// reader can skip: what an entry holds and how it runs are in TapeEntries.swift; here they are
// only stored, in pooled blocks, and run in reverse order.

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

/// The entries of a tape, which its variables refer to unretained.
///
/// Entries live in an arena of fixed-size blocks, taken from `TapeBlockPool` and returned to
/// it when the record is freed, so recording an operation costs no allocation beyond its
/// outputs, and a training loop's tape of each step records into the previous step's memory.
///
/// The public `Tape` is the owner's handle: when it is dropped, `retire()` destroys the entries
/// and starts a new generation, so variables still referring to the record behave as if on no
/// tape. Variables refer to their record unretained, with the generation they were put on: a
/// strong reference costs each operation a retain and each variable's destruction a release,
/// and a weak one a side table that slows every reference count. A
/// record is therefore never freed: `TapeRecordPool` keeps retired records for the next tapes.
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
  /// Which recording this record holds: it changes when the owning `Tape` is dropped and the
  /// record retired (see `TapeRecordPool`), so variables of the old recording (which remember
  /// the generation they were put on) find themselves on no live tape.
  @usableFromInline @exclusivity(unchecked) var generation = 0
  /// Which set of entries the record holds: it changes whenever they are all dropped (after
  /// `backward()`, at `reset()`), freeing the values of the outputs they read (see
  /// `Variable.value`).
  @usableFromInline @exclusivity(unchecked) var epoch: UInt32 = 0
  /// Whether every output and gradient is checked for non-finite values (see `TapeAnomaly`).
  @usableFromInline @exclusivity(unchecked) var detectsAnomalies = false
  /// The first non-finite output or gradient found while `detectsAnomalies`.
  @usableFromInline var firstAnomaly: TapeAnomaly?

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
    if Self.fits(Entry.self) {
      reserve(Entry.self).initializeMemory(as: Entry.self, to: consume entry)
    } else {
      // Too large for a block (no entry of this library is): boxed in a closure instead.
      var boxed = entry
      record(ClosureTapeEntry { boxed.backpropagate() })
    }
  }

  /// Whether an `Entry` fits an arena block (every entry type of the library does).
  @inlinable
  static func fits<Entry: TapeEntry>(_: Entry.Type) -> Bool {
    MemoryLayout<Entry>.alignment <= 16
      && ((MemoryLayout<Entry>.size + 15) & ~15) + trailerSize
        <= TapeBlockPool.blockSize - TapeBlockHeader.size
  }

  /// The slot of a new `Entry` on the record `tape` refers to (see `reserve`), which the caller
  /// must initialise at once, building the entry straight into it; the record is not retained.
  @inlinable
  static func slot<Entry: TapeEntry>(
    for _: Entry.Type, on tape: Unmanaged<TapeRecord>
  ) -> UnsafeMutablePointer<Entry> {
    tape._withUnsafeGuaranteedRef { $0.reserve(Entry.self) }
      .bindMemory(to: Entry.self, capacity: 1)
  }

  /// Makes room for an `Entry`, which must fit a block, and writes its trailer: the caller
  /// must initialise the entry at the returned address before anything else touches the
  /// record.
  ///
  /// The operations' fast paths build their entry straight into this slot: an entry built
  /// first and then moved in was copied across the call (a retain and a release of everything
  /// it holds).
  @inlinable
  func reserve<Entry: TapeEntry>(_: Entry.Type) -> UnsafeMutableRawPointer {
    if consumed { recordingAfterBackwardFailure() }
    precondition(Self.fits(Entry.self), "TapeRecord: \(Entry.self) does not fit an arena block")
    let size = (MemoryLayout<Entry>.size + 15) & ~15
    let needed = size + Self.trailerSize
    if top + needed > TapeBlockPool.blockSize { advanceBlock() }
    guard let block = current else { preconditionFailure("TapeRecord: no block after advancing") }
    let address = block + top
    (address + size).initializeMemory(
      as: TapeEntryTrailer.self,
      to: TapeEntryTrailer(consume: TapeRecord.consume(Entry.self), size: size))
    top += needed
    count += 1
    return address
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
    epoch &+= 1
  }

  /// Ends the recording of the owning `Tape`, which is being dropped: a new generation, no
  /// entries, and the arena's blocks back in their pool.
  func retire() {
    generation &+= 1
    detectsAnomalies = false
    if firstAnomaly != nil { firstAnomaly = nil }
    removeAll()
    consumed = false
    if let first { TapeBlockPool.giveBack(chainStartingAt: first) }
    first = nil
    current = nil
    top = TapeBlockPool.blockSize
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
    epoch &+= 1
  }
}

/// The records of dropped tapes, reused by new ones; never freed, as variables refer to records
/// unretained (see `TapeRecord`).
///
/// It holds as many records as there were tapes alive at once (about 100 bytes each; their
/// arena blocks go back to `TapeBlockPool`). Shared by all threads, behind a spin lock taken
/// once per tape.
enum TapeRecordPool {
  nonisolated(unsafe) private static var retired: [TapeRecord] = []
  private static let lock = SpinLock()

  /// A record with no entries, retired or new.
  static func take() -> TapeRecord {
    lock.withLock { retired.popLast() } ?? TapeRecord()
  }

  /// Retires `record`, whose tape is being dropped, and keeps it for a later tape.
  static func giveBack(_ record: TapeRecord) {
    record.retire()
    lock.withLock { retired.append(record) }
  }
}
