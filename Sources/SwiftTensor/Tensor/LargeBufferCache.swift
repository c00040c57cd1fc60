/// Freed large buffers (tensor storage, GEMM packing space), kept for the next ones of about
/// the same size.
///
/// glibc serves a buffer of 128 KiB or more from fresh pages: every new one costs a page fault
/// per 4 KiB on first touch and a return to the system on free. A training step allocates the
/// same large temporaries each time (a recurrent layer's gates are 8 MiB at batch 32), and the
/// character-LSTM benchmark spent about 6% of its time in the kernel clearing pages. A kept
/// buffer is reused for a request of its size or up to a fifth smaller.
///
/// At most `capacity` bytes (256 MiB) in `maximumEntries` buffers are kept; the oldest are
/// freed to make room. Shared by all threads behind a spin lock held for a short scan.
@usableFromInline
enum LargeBufferCache {
  /// Requests from this many bytes on go through the cache.
  @usableFromInline static let minimumSize = 128 * 1024
  /// The most bytes kept.
  static let capacity = 256 << 20
  /// The most buffers kept.
  static let maximumEntries = 64
  /// Buffers are whole pages, so that sizes that differ by a few bytes share buffers.
  static let granularity = 4096

  private struct Entry {
    var address: UnsafeMutableRawPointer
    var size: Int
  }

  /// Kept buffers, oldest first, guarded by `lock`.
  private struct State {
    var entries: UnsafeMutablePointer<Entry>
    var count = 0
    var bytes = 0
  }
  nonisolated(unsafe) private static let state: UnsafeMutablePointer<State> = {
    let state = UnsafeMutablePointer<State>.allocate(capacity: 1)
    state.initialize(to: State(entries: .allocate(capacity: maximumEntries)))
    return state
  }()
  private static let lock = SpinLock()

  private static func withLock<Result>(_ body: (inout State) -> Result) -> Result {
    lock.withLock { body(&state.pointee) }
  }

  /// A 64-byte-aligned buffer of at least `byteCount` bytes (`byteCount >= minimumSize`), and
  /// its size, to pass back to `giveBack`. O(maximumEntries).
  @usableFromInline
  static func take(byteCount: Int) -> (address: UnsafeMutableRawPointer, size: Int) {
    let size = (byteCount + granularity - 1) / granularity * granularity
    let kept: Entry? = withLock { state in
      var best = -1
      for index in 0..<state.count {
        let candidate = state.entries[index].size
        if candidate >= size && candidate - size <= size / 4
          && (best < 0 || candidate < state.entries[best].size)
        {
          best = index
        }
      }
      guard best >= 0 else { return nil }
      let entry = state.entries[best]
      remove(at: best, from: &state)
      return entry
    }
    if let kept { return (kept.address, kept.size) }
    return (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64), size)
  }

  /// Keeps a buffer from `take` for reuse, freeing the oldest kept ones if the cache is full.
  /// O(maximumEntries).
  @usableFromInline
  static func giveBack(_ address: UnsafeMutableRawPointer, size: Int) {
    guard size <= capacity else {
      address.deallocate()
      return
    }
    var evicted: [UnsafeMutableRawPointer] = []
    withLock { state in
      while state.count == maximumEntries || state.bytes + size > capacity {
        evicted.append(state.entries[0].address)
        remove(at: 0, from: &state)
      }
      state.entries[state.count] = Entry(address: address, size: size)
      state.count += 1
      state.bytes += size
    }
    for buffer in evicted { buffer.deallocate() }
  }

  /// Removes entry `index`, keeping the others in order. The caller holds the lock.
  private static func remove(at index: Int, from state: inout State) {
    state.bytes -= state.entries[index].size
    for later in index..<(state.count - 1) { state.entries[later] = state.entries[later + 1] }
    state.count -= 1
  }

  /// The buffers and bytes kept (for tests).
  static var contents: (buffers: Int, bytes: Int) {
    withLock { state in (state.count, state.bytes) }
  }

  /// Whether `address` is kept (for tests: other threads may give back buffers at any time,
  /// so a test asks about its own).
  static func keeps(_ address: UnsafeMutableRawPointer) -> Bool {
    withLock { state in (0..<state.count).contains { state.entries[$0].address == address } }
  }

  /// Frees every kept buffer and returns their addresses (for tests).
  @discardableResult
  static func removeAll() -> [UnsafeMutableRawPointer] {
    var freed: [UnsafeMutableRawPointer] = []
    withLock { state in
      while state.count > 0 {
        freed.append(state.entries[0].address)
        remove(at: 0, from: &state)
      }
    }
    for buffer in freed { buffer.deallocate() }
    return freed
  }
}

/// Temporary memory for a kernel, 64-byte aligned: from `LargeBufferCache` when large, else
/// from the allocator; `free()` it when done.
struct ScratchBuffer {
  /// The first byte.
  let address: UnsafeMutableRawPointer
  /// The size of the cached buffer, or 0 for one from the allocator.
  private let cachedSize: Int

  /// Takes at least `byteCount` bytes. O(1) plus the cache's scan.
  init(byteCount: Int) {
    if byteCount >= LargeBufferCache.minimumSize {
      (address, cachedSize) = LargeBufferCache.take(byteCount: byteCount)
    } else {
      address = .allocate(byteCount: max(byteCount, 1), alignment: 64)
      cachedSize = 0
    }
  }

  /// Gives the memory back.
  func free() {
    if cachedSize > 0 {
      LargeBufferCache.giveBack(address, size: cachedSize)
    } else {
      address.deallocate()
    }
  }
}

/// The memory SwiftTensor keeps for reuse beyond the tensors alive: the buffers of freed
/// tensors of 128 KiB or more (at most 256 MiB), which the next large tensors of about the same
/// size take instead of fresh pages from the system.
public enum TensorMemory {
  /// Bytes held in freed large buffers kept for reuse. O(1).
  public static var cachedBytes: Int { LargeBufferCache.contents.bytes }

  /// Returns every kept buffer to the system allocator (after a phase of a program that used
  /// large tensors, say); tensors alive are not affected. O(kept buffers).
  public static func releaseCachedBuffers() { LargeBufferCache.removeAll() }
}
