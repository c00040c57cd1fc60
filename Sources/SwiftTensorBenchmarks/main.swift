// Benchmarks for the GEMM and element-wise kernels, through the public kernel interface.
//
// Usage: swift run -c release SwiftTensorBenchmarks [float] [double] [unary] [tape] [mlp] [SIZE...]
// With no arguments everything runs; words select sections, numbers select GEMM sizes.
// Compare with `python3 Sources/SwiftTensorBenchmarks/numpy_reference.py`.
import SwiftTensor

/// Command-line arguments after the program name.
let arguments = CommandLine.arguments.dropFirst()
/// GEMM sizes given on the command line.
let sizeArguments = arguments.compactMap { Int($0) }
/// Section names given on the command line, lowercased.
let words = Set(arguments.filter { Int($0) == nil }.map { $0.lowercased() })
/// GEMM sizes to run.
let sizes = sizeArguments.isEmpty ? [128, 256, 512, 1024] : sizeArguments
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

/// GFLOPS of square `n x n` GEMM (2n^3 floating-point operations) for `S`.
func gemmGFLOPS<S: TensorScalar>(_: S.Type, n: Int) -> Double {
  var state: UInt64 = 12345
  func random() -> S {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return S(Double(state >> 11) / Double(1 << 53) - 0.5)
  }
  let a = (0..<n * n).map { _ in random() }
  let b = (0..<n * n).map { _ in random() }
  var c = [S](repeating: 0, count: n * n)
  let time = a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        guard let a0 = pa.baseAddress, let b0 = pb.baseAddress, let c0 = pc.baseAddress else {
          fatalError("benchmark: empty matrices")
        }
        return medianSeconds {
          S._gemm(
            transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1,
            a0, lda: n, b0, ldb: n, beta: 0, c0, ldc: n)
        }
      }
    }
  }
  precondition(c[n * n / 2].isFinite)
  return 2 * Double(n) * Double(n) * Double(n) / time / 1e9
}

/// Billions of elements per second of `operation` over one million `Float`s.
func unaryThroughput(_ operation: UnaryKernel<Float>) -> Double {
  let count = 1 << 20
  let source = (0..<count).map { Float($0 % 2000) / 100 - 10 }
  var destination = [Float](repeating: 0, count: count)
  let time = source.withUnsafeBufferPointer { ps in
    destination.withUnsafeMutableBufferPointer { pd in
      guard let s0 = ps.baseAddress, let d0 = pd.baseAddress else {
        fatalError("benchmark: empty buffers")
      }
      return medianSeconds {
        Float._unaryKernel(operation, s0, d0, count: count)
      }
    }
  }
  precondition(destination[count / 3].isFinite)
  return Double(count) / time / 1e9
}

/// `x` rounded to two decimals.
func formatted(_ x: Double) -> String { String((x * 100).rounded() / 100) }

/// Prints one Markdown table row.
func row(_ cells: [String]) { print("| " + cells.joined(separator: " | ") + " |") }

/// Section names the command line may select.
let sections: Set<String> = ["float", "double", "unary", "tape", "mlp", "lstm"]
/// Whether no section was selected, so all run.
let runAll = words.isDisjoint(with: sections)
if runAll || words.contains("float") || words.contains("double") {
  row(["GEMM (GFLOPS, median of \(sampleCount))"] + sizes.map { "n=\($0)" })
  row(Array(repeating: "---", count: sizes.count + 1))
  if runAll || words.contains("float") {
    row(["Float"] + sizes.map { formatted(gemmGFLOPS(Float.self, n: $0)) })
  }
  if runAll || words.contains("double") {
    row(["Double"] + sizes.map { formatted(gemmGFLOPS(Double.self, n: $0)) })
  }
}
if runAll || words.contains("unary") {
  row(["Float unary, 1M elements", "G elem/s"])
  row(["---", "---"])
  let operations: [(String, UnaryKernel<Float>)] = [
    ("exp", .exp), ("tanh", .tanh), ("sigmoid", .sigmoid),
  ]
  for (name, operation) in operations {
    row([name, formatted(unaryThroughput(operation))])
  }
}
if runAll || words.contains("tape") {
  benchmarkTapeOverhead()
}
if runAll || words.contains("mlp") {
  row(["Digits-shaped MLP 64-30-10, SGD", "s/epoch (1,347 train + 450 eval)"])
  row(["---", "---"])
  for batchSize in [1, 64] {
    row(["batch \(batchSize)", String(benchmarkMLPEpoch(batchSize: batchSize))])
  }
}
if runAll || words.contains("lstm") {
  row(["LSTM language model 64-256-65, batch 32 x 64, Adam", "tokens/s"])
  row(["---", "---"])
  row(["Float", String(Int(benchmarkLSTMTokensPerSecond()))])
}
