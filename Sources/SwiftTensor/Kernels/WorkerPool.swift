import Dispatch
import Foundation

/// Persistent worker threads for GEMM's parallel regions.
///
/// `DispatchQueue.concurrentPerform` per call cost more than it saved below n = 320 on the
/// 2-core test machine (KERNELS.md): each call hands work to GCD's pool anew. Here the workers
/// are created once and park on their own semaphore between regions, so a region costs one
/// semaphore signal per worker to start and one wait per worker to finish.
///
/// A region has up to two phases separated by a barrier (`first` on every thread, then
/// `second` on every thread), which lets GEMM pack B in parallel and then multiply with it.
/// One region runs at a time; a caller that finds the pool busy (another thread's GEMM) runs
/// its region on its own thread instead, phase by phase, which gives the same result.
///
/// `@unchecked Sendable` because the mutable state is guarded by hand: `workers` and the
/// current `job` are written only by the thread that holds `regionLock`, `job` is written
/// before the workers' start semaphores are signalled and cleared only after every worker has
/// signalled `finished` (the semaphores order these accesses), and the job's closures never
/// outlive `run`, which waits for every worker before returning.
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

  /// The process-wide pool; workers are started on first use.
  static let shared = WorkerPool()

  /// Held for the whole of a region, so regions never overlap.
  private let regionLock = NSLock()
  /// The parked workers; worker `w` runs thread index `w + 1`.
  private var workers: [DispatchSemaphore] = []
  /// Signalled once per worker at the barrier between the phases.
  private let arrived = DispatchSemaphore(value: 0)
  /// Signalled once per worker to let it past the barrier.
  private let proceed = DispatchSemaphore(value: 0)
  /// Signalled once per worker when its part of the region is done.
  private let finished = DispatchSemaphore(value: 0)
  /// The region being run; read by workers only between their start and `finished`.
  private var job: Job?

  /// Runs `first(t)` for every t in `0..<threads`, then (after all of them) `second(t)` for
  /// every t, on `threads` threads of which the caller is index 0. Returns when all are done.
  ///
  /// O(threads) synchronisation plus the phases' own work; starts missing workers the first
  /// time a thread count is requested (they then stay parked for the process's lifetime).
  func run(threads: Int, first: ((Int) -> Void)? = nil, second: (Int) -> Void) {
    guard threads > 1, regionLock.try() else {
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
    let helpers = job.threads - 1
    for w in 0..<helpers { workers[w].signal() }
    if let first = job.first {
      first(0)
      for _ in 0..<helpers { arrived.wait() }
      for _ in 0..<helpers { proceed.signal() }
    }
    job.second(0)
    for _ in 0..<helpers { finished.wait() }
    self.job = nil
  }

  /// A worker's part of the current region: both phases, with the barrier between them.
  /// O(1) synchronisation plus the phases' work.
  private func work(thread t: Int) {
    // Published before `start` was signalled and cleared only after `finished`.
    guard let job else { preconditionFailure("WorkerPool: a worker woke without a job") }
    if let first = job.first {
      first(t)
      arrived.signal()
      proceed.wait()
    }
    job.second(t)
  }

  /// Starts the worker that runs thread index `index + 1`. O(1).
  private func startWorker(index: Int) {
    let start = DispatchSemaphore(value: 0)
    workers.append(start)
    let thread = Thread { [self] in
      while true {
        start.wait()
        work(thread: index + 1)
        // Only now: `work` has dropped its references to the job's closures, which
        // `withoutActuallyEscaping` in `run` checks once the caller sees every `finished`.
        finished.signal()
      }
    }
    thread.name = "SwiftTensor GEMM worker \(index + 1)"
    thread.start()
  }
}
