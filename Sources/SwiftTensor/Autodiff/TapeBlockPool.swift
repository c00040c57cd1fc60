/// What starts every arena block: its neighbours in its tape's chain of blocks (or in the
/// pool's free list), and how many of its bytes hold entries.
@usableFromInline
struct TapeBlockHeader {
  @usableFromInline var previous: UnsafeMutableRawPointer?
  @usableFromInline var next: UnsafeMutableRawPointer?
  /// The offset of the first byte after the block's last entry (kept once the block is full).
  @usableFromInline var used: Int

  /// The header's size, rounded so entries after it stay 16-byte aligned.
  @usableFromInline static let size = (MemoryLayout<TapeBlockHeader>.size + 15) & ~15

  /// The header at the start of `block`.
  @inlinable
  static func at(_ block: UnsafeMutableRawPointer) -> UnsafeMutablePointer<TapeBlockHeader> {
    block.assumingMemoryBound(to: TapeBlockHeader.self)
  }
}

/// The arena blocks of freed tapes, kept for the next tapes to record into.
///
/// A training loop makes a tape per step; allocating its blocks anew each time made glibc
/// consolidate its heap on every free of them, which slowed every small allocation after it.
/// The pool is a list threaded through the blocks' headers, holding at most `capacity` blocks
/// (4 MiB); beyond that, blocks are freed. It is shared by all threads, behind a spin lock held
/// for a few instructions.
@usableFromInline
enum TapeBlockPool {
  /// The size of every block, in bytes (an entry is typically 64-128 bytes).
  @usableFromInline static let blockSize = 16 * 1024
  /// The most blocks kept.
  static let capacity = 256

  /// The free list's head and its length, guarded by `lock`.
  private struct State {
    var head: UnsafeMutableRawPointer?
    var count = 0
  }
  nonisolated(unsafe) private static let state: UnsafeMutablePointer<State> = {
    let state = UnsafeMutablePointer<State>.allocate(capacity: 1)
    state.initialize(to: State())
    return state
  }()
  private static let lock = SpinLock()

  private static func withLock<Result>(_ body: (inout State) -> Result) -> Result {
    lock.withLock { body(&state.pointee) }
  }

  /// A block of `blockSize` bytes whose header links back to `previous`.
  @usableFromInline
  static func take(after previous: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer {
    let pooled: UnsafeMutableRawPointer? = withLock { state in
      guard let block = state.head else { return nil }
      state.head = TapeBlockHeader.at(block).pointee.next
      state.count -= 1
      return block
    }
    let block =
      pooled ?? UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
    block.initializeMemory(
      as: TapeBlockHeader.self,
      repeating: TapeBlockHeader(previous: previous, next: nil, used: TapeBlockHeader.size),
      count: 1)
    return block
  }

  /// Returns a tape's chain of blocks (linked by `next`), which hold no entries any more.
  static func giveBack(chainStartingAt first: UnsafeMutableRawPointer) {
    var block: UnsafeMutableRawPointer? = first
    while let current = block {
      block = TapeBlockHeader.at(current).pointee.next
      let kept = withLock { state in
        guard state.count < capacity else { return false }
        TapeBlockHeader.at(current).pointee.next = state.head
        state.head = current
        state.count += 1
        return true
      }
      if !kept { current.deallocate() }
    }
  }
}
