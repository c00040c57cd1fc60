import Dispatch
import Foundation
import Testing

@testable import SwiftTensor

/// The GEMM worker pool: every thread index runs each phase once, the barrier holds, and it
/// keeps working after its workers have parked and when several callers race for it.
@Suite("WorkerPool")
struct WorkerPoolTests {
  /// Per-thread slots written by the phases (each index writes only its own).
  final class Slots: @unchecked Sendable {
    var values: [Int]
    init(_ count: Int) { values = Array(repeating: 0, count: count) }
  }

  /// Runs one two-phase region and checks that phase 2 saw every phase-1 write.
  func checkRegion(threads: Int) {
    let firsts = Slots(threads)
    let seconds = Slots(threads)
    WorkerPool.shared.run(
      threads: threads,
      first: { t in
        // The helpers are slow, so without the barrier thread 0 would read too early.
        if t > 0 { Thread.sleep(forTimeInterval: 0.002) }
        firsts.values[t] += t + 1
      },
      second: { t in seconds.values[t] = firsts.values.reduce(0, +) })
    let expected = (1...threads).reduce(0, +)
    #expect(firsts.values == Array(1...threads))
    #expect(seconds.values == Array(repeating: expected, count: threads))
  }

  @Test func phasesRunOncePerThreadBehindTheBarrier() {
    for threads in [2, 3, 2, 4] { checkRegion(threads: threads) }
  }

  @Test func worksAgainAfterTheWorkersHaveParked() {
    checkRegion(threads: 2)
    Thread.sleep(forTimeInterval: 0.05)  // longer than the workers' spin before parking
    checkRegion(threads: 2)
    checkRegion(threads: 3)
  }

  @Test func concurrentCallersAllFinish() {
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      for _ in 0..<20 { checkRegion(threads: 2) }
    }
  }
}
