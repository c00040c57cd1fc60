import Dispatch
import Foundation
import Testing

@testable import SwiftTensor

/// The tape's arena: entries of any size, across blocks, run once in reverse order, and are
/// destroyed (releasing what they hold) when dropped without running.
@Suite struct TapeRecordTests {
  /// An entry with `Padding` bytes of payload, which logs its index when run.
  struct SizedEntry<Padding>: TapeEntry {
    let index: Int
    let log: Log
    let padding: Padding
    func backpropagate() { log.indices.append(index) }
  }

  final class Log {
    var indices: [Int] = []
  }

  /// Counts the instances alive, to check that destroyed entries release what they hold.
  final class Tracked {
    nonisolated(unsafe) static var alive = 0
    init() { Tracked.alive += 1 }
    deinit { Tracked.alive -= 1 }
  }

  struct TrackedEntry: TapeEntry {
    let tracked = Tracked()
    func backpropagate() {}
  }

  @Test func entriesOfMixedSizesRunOnceInReverseAcrossBlocks() {
    let record = TapeRecord()
    let log = Log()
    var expected: [Int] = []
    // Sizes from 32 bytes to 24 KiB (larger than a block: boxed), in a pattern that leaves
    // blocks partly filled.
    for index in 0..<3_000 {
      switch index % 5 {
      case 0: record.record(SizedEntry(index: index, log: log, padding: ()))
      case 1:
        record.record(
          SizedEntry(index: index, log: log, padding: InlineArray<100, Int>(repeating: 1)))
      case 2:
        record.record(
          SizedEntry(index: index, log: log, padding: InlineArray<1900, Int>(repeating: 2)))
      case 3 where index % 200 == 3:
        record.record(
          SizedEntry(index: index, log: log, padding: InlineArray<3000, Int>(repeating: 3)))
      default: record.record { log.indices.append(index) }
      }
      expected.append(index)
    }
    #expect(record.count == 3_000)
    #expect(record.blocks.count > 10)
    record.backpropagate()
    #expect(log.indices == expected.reversed())
    #expect(record.count == 0)
  }

  @Test func droppedEntriesReleaseWhatTheyHoldAndBlocksAreReused() {
    let before = Tracked.alive
    let record = TapeRecord()
    for _ in 0..<1_000 { record.record(TrackedEntry()) }
    #expect(Tracked.alive == before + 1_000)
    let blocks = record.blocks
    record.removeAll()
    #expect(Tracked.alive == before)
    #expect(record.count == 0)
    // The next recording writes into the same blocks.
    let log = Log()
    for index in 0..<1_000 { record.record(SizedEntry(index: index, log: log, padding: ())) }
    #expect(record.blocks == blocks)
    record.backpropagate()
    #expect(log.indices == Array((0..<1_000).reversed()))
  }

  /// Records outlive their tapes and are reused: a variable of a dropped tape must not find
  /// itself on the next tape that gets its record. (A record of its own, retired by hand:
  /// one given back to the pool could be taken by a test on another thread meanwhile.)
  @Test func aRetiredRecordIsNoVariablesTapeEvenWhenReused() {
    let record = TapeRecord()
    let reference = Unmanaged.passUnretained(record)
    let old = Variable<Float>(value: [1], tape: reference, needsGradient: true)
    _ = old.exp()
    #expect(old.liveTape?.toOpaque() == reference.toOpaque() && record.count == 1)
    record.retire()  // what dropping its tape does, before the pool hands it to another
    #expect(old.liveTape == nil && old.tape == nil && record.count == 0)
    // The same record, now recording for another tape: the old variable stays off it.
    let new = Variable<Float>(value: [2], tape: reference, needsGradient: true)
    let product = old * new
    #expect(new.liveTape != nil && product.liveTape != nil && record.count == 1)
    #expect(old.exp().tape == nil && record.count == 1)
    record.retire()
  }

  @Test func aResetTapeRecordsAgainAfterBackward() {
    let tape = Tape<Double>()
    let x = tape.variable([2])
    for _ in 0..<3 {
      var y = x
      for _ in 0..<500 { y = y * 1.001 }
      y.sum().backward()
      tape.reset()
    }
    // Three passes of d(1.001^500 x)/dx, accumulated.
    #expect(abs(x.gradient!.scalars[0] - 3 * Foundation.pow(1.001, 500)) < 1e-9)
  }

  @Test func tapesOnSeveralThreadsShareTheBlockPool() {
    // Each thread records chains long enough to take several blocks, and frees them, while the
    // others do the same: the pool's lock is what keeps its free list whole.
    let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 4)
    defer { results.deallocate() }
    nonisolated(unsafe) let output = results
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      var worst = 0.0
      for round in 0..<40 {
        let tape = Tape<Double>()
        let x = tape.variable([1])
        var y = x
        for _ in 0..<(400 + 10 * round) { y = y * 1.001 }
        y.sum().backward()
        let expected = Foundation.pow(1.001, Double(400 + 10 * round))
        worst = Swift.max(worst, abs(x.gradient!.scalars[0] - expected) / expected)
      }
      output[thread] = worst
    }
    #expect(results.allSatisfy { $0 < 1e-12 })
  }

  @Test func thePoolNeverHandsOneBlockToTwoThreads() {
    expectNoClashOnFourThreads(rounds: 20_000) { thread, round in
      let block = TapeBlockPool.take(after: nil)
      let mark = (block + TapeBlockHeader.size).assumingMemoryBound(to: Int.self)
      mark.pointee = thread * 1_000_000 + round
      for _ in 0..<(round % 7) { mark.pointee &+= 0 }
      let clean = mark.pointee == thread * 1_000_000 + round
      TapeBlockPool.giveBack(chainStartingAt: block)
      return clean
    }
  }
}
