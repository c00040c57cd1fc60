/// The bookkeeping at the head of a tensor's buffer.
@usableFromInline
struct TensorStorageHeader {
  /// The number of scalars.
  @usableFromInline var count: Int
  /// The number of bytes of scalars.
  @usableFromInline var byteCount: Int
  /// Bytes from the start of the tail allocation to the first scalar (for alignment).
  @usableFromInline var offset: Int
  /// The size of a buffer from `LargeBufferCache` that holds the scalars instead of the tail
  /// allocation (0 for none); also makes the header 32 bytes, so the scalars of a small buffer
  /// start 16-byte aligned (an object is 16-byte aligned and its fields start at 16).
  @usableFromInline var cachedSize: Int = 0

  @inlinable
  init(count: Int, byteCount: Int, offset: Int) {
    self.count = count
    self.byteCount = byteCount
    self.offset = offset
  }
}

/// The heap buffer behind a tensor: one allocation holding the header and the scalars, which
/// start on a 64-byte boundary (a cache line, and any SIMD register width); buffers of 64 bytes
/// or less start on a 16-byte boundary instead, so that a tiny tensor fits a small allocation.
/// The scalars of a large tensor (`LargeBufferCache.minimumSize` bytes or more) live in a
/// buffer from `LargeBufferCache` instead, given back when the storage is freed.
///
/// A single allocation matters for small tensors: with a separate buffer, a training step's
/// many tiny temporaries spent more time in `malloc` than in arithmetic. The class is not
/// generic, so allocating one needs no run-time metadata lookup.
///
/// Only `Tensor` holds one; it writes to it only when it holds the sole reference
/// (copy-on-write), which is what makes sharing it across threads safe.
@usableFromInline
final class TensorStorage: ManagedBuffer<TensorStorageHeader, UInt8> {
  /// Allocates room for `count` scalars of `stride` bytes, uninitialised (scalars are trivial).
  @inlinable @inline(__always)
  static func make(count: Int, stride: Int) -> TensorStorage {
    let byteCount = count * stride
    if byteCount >= LargeBufferCache.minimumSize { return makeCached(count: count, byteCount) }
    let isSmall = byteCount <= 64
    let buffer = create(minimumCapacity: isSmall ? byteCount : byteCount + 63) { _ in
      TensorStorageHeader(count: count, byteCount: byteCount, offset: 0)
    }
    let storage = unsafeDowncast(buffer, to: TensorStorage.self)
    if !isSmall {
      storage.withUnsafeMutablePointers { header, bytes in
        let address = Int(bitPattern: bytes)
        header.pointee.offset = ((address + 63) & ~63) - address
      }
    }
    return storage
  }

  /// A storage whose scalars live in a buffer from `LargeBufferCache`. Out of line, so that
  /// `make`, inlined into every tensor creation, stays small.
  @usableFromInline @inline(never)
  static func makeCached(count: Int, _ byteCount: Int) -> TensorStorage {
    let (address, size) = LargeBufferCache.take(byteCount: byteCount)
    let buffer = create(minimumCapacity: 0) { _ in
      TensorStorageHeader(count: count, byteCount: byteCount, offset: 0)
    }
    let storage = unsafeDowncast(buffer, to: TensorStorage.self)
    storage.withUnsafeMutablePointers { header, bytes in
      // `base` adds the offset to the tail's address, wherever the buffer is.
      header.pointee.offset = Int(bitPattern: address) - Int(bitPattern: bytes)
      header.pointee.cachedSize = size
    }
    return storage
  }

  deinit {
    withUnsafeMutablePointers { header, bytes in
      let size = header.pointee.cachedSize
      if size > 0 {
        LargeBufferCache.giveBack(
          UnsafeMutableRawPointer(bytes + header.pointee.offset), size: size)
      }
    }
  }

  /// The first scalar's address.
  @inlinable
  var base: UnsafeMutableRawPointer {
    withUnsafeMutablePointers { header, bytes in
      UnsafeMutableRawPointer(bytes + header.pointee.offset)
    }
  }

  /// The number of scalars.
  ///
  /// Read through the header's pointer: the `header` property of a class is subject to
  /// run-time exclusivity checks, which cost more than a small tensor's arithmetic.
  @inlinable
  var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

  /// A new buffer holding the same bytes.
  @inlinable
  func copy() -> TensorStorage {
    let byteCount = withUnsafeMutablePointerToHeader { $0.pointee.byteCount }
    let new = TensorStorage.make(count: count, stride: byteCount / Swift.max(count, 1))
    new.base.copyMemory(from: base, byteCount: byteCount)
    return new
  }
}
