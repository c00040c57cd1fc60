/// The heap buffer behind a tensor: 64-byte aligned, so a row starts on a cache line.
///
/// Only `Tensor` holds one; it writes to it only when it holds the sole reference
/// (copy-on-write), which is what makes sharing it across threads safe.
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
  @usableFromInline let base: UnsafeMutablePointer<Scalar>
  @usableFromInline let count: Int

  /// Allocates room for `count` scalars, uninitialised (scalars are trivial types).
  @usableFromInline
  init(count: Int) {
    self.count = count
    let bytes = Swift.max(count, 1) * MemoryLayout<Scalar>.stride
    base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
      .bindMemory(to: Scalar.self, capacity: Swift.max(count, 1))
  }

  deinit { base.deallocate() }

  /// A new buffer holding the same scalars.
  @usableFromInline
  func copy() -> TensorStorage {
    let new = TensorStorage(count: count)
    new.base.update(from: base, count: count)
    return new
  }
}
