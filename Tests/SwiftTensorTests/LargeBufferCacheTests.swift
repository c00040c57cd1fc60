import Testing

@testable import SwiftTensor

/// The cache of large freed buffers behind big tensors and GEMM's packing space. Sizes here
/// are odd multiples of pages that no other test allocates, since the cache is process-wide;
/// serialized, since one test fills the cache and others expect what they gave back to stay.
@Suite(.serialized) struct LargeBufferCacheTests {
  @Test func aFreedBufferServesTheNextRequestOfItsSize() {
    let size = 3 * 1024 * 1024 + 12 * 4096
    let first = LargeBufferCache.take(byteCount: size - 100)
    #expect(first.size == size)
    #expect(Int(bitPattern: first.address) % 64 == 0)
    LargeBufferCache.giveBack(first.address, size: first.size)
    let second = LargeBufferCache.take(byteCount: size - 3000)
    #expect(second.address == first.address)
    #expect(second.size == size)
    LargeBufferCache.giveBack(second.address, size: second.size)
  }

  @Test func aMuchLargerBufferIsNotHandedToASmallRequest() {
    let large = LargeBufferCache.take(byteCount: 5 * 1024 * 1024 + 7 * 4096)
    LargeBufferCache.giveBack(large.address, size: large.size)
    // Less than four fifths of the kept size: a new buffer, not the kept one.
    let small = LargeBufferCache.take(byteCount: 4 * 1024 * 1024 + 5 * 4096)
    #expect(small.address != large.address)
    #expect(small.size == 4 * 1024 * 1024 + 5 * 4096)
    LargeBufferCache.giveBack(small.address, size: small.size)
    let again = LargeBufferCache.take(byteCount: large.size)
    #expect(again.address == large.address)
    LargeBufferCache.giveBack(again.address, size: again.size)
  }

  @Test func theCacheStaysWithinItsLimits() {
    // More buffers than it keeps, and more bytes than it keeps: the oldest are freed. Tests in
    // other suites give back buffers meanwhile, so only invariants and this test's own buffers
    // are asserted.
    var last: (address: UnsafeMutableRawPointer, size: Int)?
    for index in 0..<(LargeBufferCache.maximumEntries + 8) {
      let buffer = LargeBufferCache.take(byteCount: (9000 + index) * 4096)
      LargeBufferCache.giveBack(buffer.address, size: buffer.size)
      let kept = LargeBufferCache.contents
      #expect(kept.buffers <= LargeBufferCache.maximumEntries)
      #expect(kept.bytes <= LargeBufferCache.capacity)
      last = buffer
    }
    guard let last else { return }
    #expect(LargeBufferCache.keeps(last.address))
    #expect(TensorMemory.cachedBytes >= last.size)
    #expect(LargeBufferCache.removeAll().contains(last.address))
    #expect(!LargeBufferCache.keeps(last.address))
    // The public release frees what is kept too.
    let another = LargeBufferCache.take(byteCount: 9100 * 4096)
    LargeBufferCache.giveBack(another.address, size: another.size)
    #expect(LargeBufferCache.keeps(another.address))
    TensorMemory.releaseCachedBuffers()
    #expect(!LargeBufferCache.keeps(another.address))
  }

  @Test func largeTensorsKeepTheirValuesThroughReuse() {
    // Tensors of 256 KiB and more live in cached buffers: values, copies on write, and the
    // release of one tensor while another holds a copy all behave as for small tensors.
    for round in 0..<4 {
      let count = 70_001 + round
      var a = Tensor<Float>(shape: [count], scalars: (0..<count).map { Float($0 % 1000) })
      let b = a
      a.withUnsafeMutableBufferPointer { $0[0] = -1 }
      #expect(a.scalars[0] == -1 && b.scalars[0] == 0)
      #expect(b.scalars[count - 1] == Float((count - 1) % 1000))
      let doubled = b * 2
      #expect(doubled.scalars[999] == 1998)
    }
  }

  @Test func theCacheNeverHandsOneBufferToTwoThreads() {
    // Buffers of a few sizes, marked at both ends; small enough that rounds are quick and the
    // threads meet in the lock often.
    expectNoClashOnFourThreads(rounds: 100_000) { thread, round in
      let buffer = LargeBufferCache.take(byteCount: (41 + round % 3) * 4096)
      let mark = buffer.address.assumingMemoryBound(to: Int.self)
      let last = (buffer.address + buffer.size - 8).assumingMemoryBound(to: Int.self)
      mark.pointee = thread * 1_000_000 + round
      last.pointee = thread * 1_000_000 + round
      for _ in 0..<(round % 7) { mark.pointee &+= 0 }
      let clean = mark.pointee == thread * 1_000_000 + round && last.pointee == mark.pointee
      LargeBufferCache.giveBack(buffer.address, size: buffer.size)
      return clean
    }
  }
}
