import Foundation
@_spi(Benchmarks) import SwiftTensor

/// Samples per measurement; the median is reported.
let sampleCount = 7

/// Wall-clock seconds taken by `body`.
func seconds(_ body: () -> Void) -> Double {
  let start = ContinuousClock.now
  body()
  let elapsed = start.duration(to: .now).components
  return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
}

/// Median over `sampleCount` samples of the seconds per repetition of `body`; a warm-up run
/// first, and enough repetitions per sample to last about `target` seconds.
func medianSeconds(target: Double = 0.1, _ body: () -> Void) -> Double {
  let once = seconds(body)
  let repetitions = max(1, Int(target / max(once, 1e-9)))
  var samples: [Double] = []
  for _ in 0..<sampleCount {
    samples.append(seconds { for _ in 0..<repetitions { body() } } / Double(repetitions))
  }
  samples.sort()
  return samples[samples.count / 2]
}

/// GFLOPS (2·m·n·k operations per product) of `[m, k] x [k, n]` for `S`, through the GEMM kernel;
/// `transposeA` reads A stored `[k, m]`, as weight gradients do.
func gemmGFLOPS<S: TensorScalar>(
  _: S.Type, m: Int, n: Int, k: Int, transposeA: Bool = false
) -> Double {
  var state: UInt64 = 12345
  func random() -> S {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return S(Double(state >> 11) / Double(1 << 53) - 0.5)
  }
  let a = (0..<m * k).map { _ in random() }
  let b = (0..<k * n).map { _ in random() }
  var c = [S](repeating: 0, count: m * n)
  let time = a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        guard let a0 = pa.baseAddress, let b0 = pb.baseAddress, let c0 = pc.baseAddress else {
          fatalError("benchmark: empty matrices")
        }
        return medianSeconds {
          _BenchmarkKernels.gemm(m: m, n: n, k: k, a0, b0, c0, transposeA: transposeA)
        }
      }
    }
  }
  precondition(c[m * n / 2].isFinite)
  return 2 * Double(m) * Double(n) * Double(k) / time / 1e9
}

/// Billions of elements per second of `function` over one million `Float`s in [-10, 10).
func unaryThroughput(_ function: _BenchmarkKernels.Function) -> Double {
  let count = 1 << 20
  let source = (0..<count).map { Float($0 % 2000) / 100 - 10 }
  var destination = [Float](repeating: 0, count: count)
  let time = source.withUnsafeBufferPointer { ps in
    destination.withUnsafeMutableBufferPointer { pd in
      guard let s0 = ps.baseAddress, let d0 = pd.baseAddress else {
        fatalError("benchmark: empty buffers")
      }
      return medianSeconds {
        _BenchmarkKernels.unary(function, s0, d0, count: count)
      }
    }
  }
  precondition(destination[count / 3].isFinite)
  return Double(count) / time / 1e9
}
