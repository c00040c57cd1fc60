import SwiftTensorCKernels

/// The arena blocks of freed tapes, kept for the next tapes to record into.
///
/// A training loop makes a tape per step; allocating its blocks anew each time made glibc
/// consolidate its heap on every free of them, which slowed every small allocation after it.
/// The pool holds at most `capacity` blocks (a few MiB); beyond that, blocks are freed. It is
/// shared by all threads, behind a spin lock held for a few instructions.
@usableFromInline
enum TapeBlockPool {
  /// The size of every block, in bytes (an entry is typically 64-128 bytes).
  @usableFromInline static let blockSize = 16 * 1024
  /// The most blocks kept.
  static let capacity = 256

  /// 0 when free, 1 when held.
  nonisolated(unsafe) private static let lockWord: UnsafeMutablePointer<Int> = {
    let word = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    word.initialize(to: 0)
    return word
  }()
  nonisolated(unsafe) private static var free: [UnsafeMutableRawPointer] = []

  private static func withLock<Result>(_ body: () -> Result) -> Result {
    var round = 0
    while swifttensor_atomic_exchange(lockWord, 1) != 0 {
      swifttensor_spin_pause(round)
      round += 1
    }
    defer { swifttensor_atomic_store(lockWord, 0) }
    return body()
  }

  /// A block of `blockSize` bytes, 16-byte aligned, uninitialised.
  @usableFromInline
  static func take() -> UnsafeMutableRawPointer {
    withLock { free.popLast() }
      ?? UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
  }

  /// Returns blocks that hold no entries any more.
  static func giveBack(_ blocks: [UnsafeMutableRawPointer]) {
    guard !blocks.isEmpty else { return }
    let surplus: ArraySlice<UnsafeMutableRawPointer> = withLock {
      let kept = Swift.min(blocks.count, capacity - free.count)
      free.append(contentsOf: blocks.prefix(kept))
      return blocks.dropFirst(kept)
    }
    for block in surplus { block.deallocate() }
  }
}
