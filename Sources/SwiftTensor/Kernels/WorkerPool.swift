import Dispatch
import Foundation
import SwiftTensorCKernels

/// Persistent worker threads for GEMM's parallel regions.
///
/// `DispatchQueue.concurrentPerform` per call cost more than it saved below n = 320 on the
/// 2-core test machine (KERNELS.md): each call hands work to GCD's pool anew. Here the workers
/// are created once. After a region a worker spins for a short while (about 100 µs) watching
/// for the next one, then parks on its own semaphore: back-to-back products (a training step's
/// layers) start without waking a sleeping thread, which on this machine cost as much as a
/// 128 x 128 product; an idle process does not keep a core busy. The barrier between the phases
/// and the final join spin too (they last microseconds).
///
/// A region has up to two phases separated by a barrier (`first` on every thread, then
/// `second` on every thread), which lets GEMM pack B in parallel and then multiply with it.
/// One region runs at a time; a caller that finds the pool busy (another thread's GEMM) runs
/// its region on its own thread instead, phase by phase, which gives the same result.
///
/// `@unchecked Sendable` because the mutable state is guarded by hand: `workers` and the
/// current `job` are written only by the thread that holds `regionLock`; `job` is written
/// before the region's generation is published (a sequentially consistent store) and cleared
/// only after every worker has counted itself finished; the job's closures never outlive
/// `run`, which waits for every worker before returning.
final class WorkerPool: @unchecked Sendable {
  /// One region: its phases and its thread count.
  private struct Job {
    /// Phase 1 (nil when the region has one phase), called with the thread index.
    var first: ((Int) -> Void)?
    /// Phase 2, called with the thread index.
    var second: (Int) -> Void
    /// Threads taking part, the caller (index 0) included.
    var threads: Int
  }

  /// Words shared with the workers, accessed only through the C atomics.
  private enum Word: Int {
    /// Bumped once per region; a worker runs a region when it sees a new value.
    case generation
    /// Workers that reached the barrier in this region.
    case arrived
    /// Set to the region's generation when every worker has arrived.
    case proceed
    /// Workers done with this region.
    case finished
    /// First of the per-worker "parked" flags (1 while a worker waits on its semaphore).
    case parked
  }

  /// Spin rounds before a worker parks (about 100 µs).
  private static let spinRounds = 4000
  /// The most workers the pool starts.
  private static let maximumWorkers = 63

  /// The process-wide pool; workers are started on first use.
  static let shared = WorkerPool()

  /// Held for the whole of a region, so regions never overlap.
  private let regionLock = NSLock()
  /// The parked workers' semaphores; worker `w` runs thread index `w + 1`.
  private var workers: [DispatchSemaphore] = []
  /// The region being run; read by workers only between its generation and `finished`.
  private var job: Job?
  /// `Word` values, then one parked flag per worker; never freed (the pool lives for ever).
  private let words: UnsafeMutablePointer<Int>

  private init() {
    let count = Word.parked.rawValue + Self.maximumWorkers
    words = UnsafeMutablePointer<Int>.allocate(capacity: count)
    words.initialize(repeating: 0, count: count)
  }

  private func address(_ word: Word, worker: Int = 0) -> UnsafeMutablePointer<Int> {
    words + word.rawValue + worker
  }

  /// Runs `body(t, share)` on `threads` threads for fixed, contiguous shares of `0..<count`, each
  /// share boundary a multiple of `alignment` (the last share takes the rest): work split this
  /// way is the same whatever the timing, so results do not depend on it. O(threads)
  /// synchronisation plus `body`.
  func runShares(
    of count: Int, threads: Int, alignment: Int = 1, _ body: (Int, Range<Int>) -> Void
  ) {
    func boundary(_ t: Int) -> Int {
      t == threads ? count : (count * t / threads) / alignment * alignment
    }
    if threads <= 1 { return body(0, 0..<count) }
    run(threads: threads) { t in body(t, boundary(t)..<boundary(t + 1)) }
  }

  /// Runs `first(t)` for every t in `0..<threads`, then (after all of them) `second(t)` for
  /// every t, on `threads` threads of which the caller is index 0. Returns when all are done.
  ///
  /// O(threads) synchronisation plus the phases' own work; starts missing workers the first
  /// time a thread count is requested (they then stay for the process's lifetime).
  func run(threads: Int, first: ((Int) -> Void)? = nil, second: (Int) -> Void) {
    guard threads > 1, threads <= Self.maximumWorkers + 1, regionLock.try() else {
      // One thread, or another region in progress: run the phases here, in order.
      if let first { for t in 0..<threads { first(t) } }
      for t in 0..<threads { second(t) }
      return
    }
    defer { regionLock.unlock() }
    // The closures are only borrowed: every worker has finished with them before `run`
    // returns, so they do not escape in any meaningful sense.
    withoutActuallyEscaping(second) { second in
      guard let first else {
        runRegion(Job(first: nil, second: second, threads: threads))
        return
      }
      withoutActuallyEscaping(first) { first in
        runRegion(Job(first: first, second: second, threads: threads))
      }
    }
  }

  /// Publishes `job`, wakes its workers, runs thread 0's part and waits for the rest.
  /// The caller holds `regionLock`. O(threads) synchronisation.
  private func runRegion(_ job: Job) {
    while workers.count < job.threads - 1 { startWorker(index: workers.count) }
    self.job = job
    swifttensor_atomic_store(address(.arrived), 0)
    swifttensor_atomic_store(address(.finished), 0)
    let generation = swifttensor_atomic_add(address(.generation), 1) + 1
    // Workers beyond this region's count see the generation too and take part with nothing
    // to do (their thread index is past the job's threads).
    for w in workers.indices
    where swifttensor_atomic_exchange(address(.parked, worker: w), 0) == 1 {
      workers[w].signal()
    }
    let participants = workers.count
    if let first = job.first {
      first(0)
      spin { swifttensor_atomic_load(address(.arrived)) == participants }
      swifttensor_atomic_store(address(.proceed), generation)
    }
    job.second(0)
    spin { swifttensor_atomic_load(address(.finished)) == participants }
    self.job = nil
  }

  /// Spins (pausing, and yielding now and then) until `done` holds. O(wait).
  private func spin(until done: () -> Bool) {
    var round = 0
    while !done() {
      swifttensor_spin_pause(round)
      round += 1
    }
  }

  /// The body of worker `w`: wait for a region after generation `seen`, run its part, count
  /// itself finished; for ever. `start` is its own semaphore (not read from `workers`, which
  /// the caller may be appending to).
  private func workerLoop(_ w: Int, start: DispatchSemaphore, seen initial: Int) {
    var seen = initial
    while true {
      waitForRegion(after: seen, worker: w, start: start)
      seen = swifttensor_atomic_load(address(.generation))
      runPart(thread: w + 1, generation: seen)
      // Only now: `runPart` has dropped its references to the job's closures, which
      // `withoutActuallyEscaping` in `run` checks once the caller sees every worker finished.
      swifttensor_atomic_add(address(.finished), 1)
    }
  }

  /// Thread `t`'s part of the region of `generation`: both phases, with the barrier between.
  private func runPart(thread t: Int, generation: Int) {
    // Published before the generation and cleared only after every `finished`.
    guard let job else { preconditionFailure("WorkerPool: a worker woke without a job") }
    if let first = job.first {
      if t < job.threads { first(t) }
      swifttensor_atomic_add(address(.arrived), 1)
      spin { swifttensor_atomic_load(address(.proceed)) == generation }
    }
    if t < job.threads { job.second(t) }
  }

  /// Returns once the generation differs from `seen`: spins first, then parks on the worker's
  /// semaphore. The parked flag and the generation are both sequentially consistent, so either
  /// the caller sees the flag and signals, or the worker sees the new generation.
  private func waitForRegion(after seen: Int, worker w: Int, start: DispatchSemaphore) {
    var round = 0
    while swifttensor_atomic_load(address(.generation)) == seen {
      if round < Self.spinRounds {
        swifttensor_spin_pause(round)
        round += 1
        continue
      }
      swifttensor_atomic_store(address(.parked, worker: w), 1)
      if swifttensor_atomic_load(address(.generation)) != seen {
        // A region started meanwhile: take the flag back, or, if the caller already took it,
        // consume the signal it sends.
        if swifttensor_atomic_exchange(address(.parked, worker: w), 0) == 0 { start.wait() }
        return
      }
      start.wait()
    }
  }

  /// Starts worker `index`, which runs thread index `index + 1` from the next region on. O(1).
  private func startWorker(index: Int) {
    let start = DispatchSemaphore(value: 0)
    workers.append(start)
    let seen = swifttensor_atomic_load(address(.generation))
    let thread = Thread { [self] in workerLoop(index, start: start, seen: seen) }
    thread.name = "SwiftTensor GEMM worker \(index + 1)"
    thread.start()
  }
}
