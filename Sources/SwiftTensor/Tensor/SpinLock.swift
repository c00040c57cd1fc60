import SwiftTensorCKernels

/// A lock for critical sections of a few instructions (the free lists of `TapeBlockPool` and
/// `LargeBufferCache`), taken by spinning on a C atomic word; a thread that waits long pauses
/// and then yields (`swifttensor_spin_pause`).
///
/// `@unchecked Sendable`: the word is only ever read and written through the C atomics. Lives
/// for the process (made once, for a static property); never freed.
struct SpinLock: @unchecked Sendable {
  /// 0 when free, 1 when held.
  private let word: UnsafeMutablePointer<Int>

  /// A free lock.
  init() {
    word = .allocate(capacity: 1)
    word.initialize(to: 0)
  }

  /// Runs `body` holding the lock. O(body), plus the wait.
  func withLock<Result>(_ body: () -> Result) -> Result {
    var round = 0
    while swifttensor_atomic_exchange(word, 1) != 0 {
      swifttensor_spin_pause(round)
      round += 1
    }
    defer { swifttensor_atomic_store(word, 0) }
    return body()
  }
}
