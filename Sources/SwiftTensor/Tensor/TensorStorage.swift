/// The heap buffer behind a tensor.
///
/// Buffers of a cache line or more are 64-byte aligned, so rows start on a cache line; smaller
/// ones take the allocator's natural 16-byte alignment, because an aligned allocation costs more
/// than a tiny tensor's arithmetic. The class is not generic, so allocating one needs no
/// run-time metadata lookup.
///
/// Only `Tensor` holds one; it writes to it only when it holds the sole reference
/// (copy-on-write), which is what makes sharing it across threads safe.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
  @usableFromInline let base: UnsafeMutableRawPointer
  /// The number of scalars.
  @usableFromInline let count: Int
  @usableFromInline let byteCount: Int

  /// Allocates room for `count` scalars of `stride` bytes, uninitialised (scalars are trivial).
  @inlinable
  init(count: Int, stride: Int) {
    self.count = count
    byteCount = count * stride
    let alignment = byteCount >= 64 ? 64 : 16
    base = UnsafeMutableRawPointer.allocate(
      byteCount: Swift.max(byteCount, 1), alignment: alignment)
  }

  deinit { base.deallocate() }

  /// A new buffer holding the same bytes.
  @inlinable
  func copy() -> TensorStorage {
    let new = TensorStorage(count: count, stride: byteCount / Swift.max(count, 1))
    new.base.copyMemory(from: base, byteCount: byteCount)
    return new
  }
}
