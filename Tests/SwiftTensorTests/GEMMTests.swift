import Testing

@testable import SwiftTensor

/// One GEMM problem: shape, layout and scalars.
struct GEMMCase: Sendable, CustomStringConvertible {
  /// Rows of op(A) and C.
  var m: Int
  /// Columns of op(B) and C.
  var n: Int
  /// Columns of op(A), rows of op(B).
  var k: Int
  /// Scale of the product.
  var alpha: Double = 1
  /// Scale of the old C; 0 means C starts as NaN, which must not leak.
  var beta: Double = 0

  /// Shape and scalars, for test names and failure messages.
  var description: String { "\(m)x\(n)x\(k) alpha=\(alpha) beta=\(beta)" }
}

/// Deterministic values in [-1, 1), so failures reproduce.
private struct LCG {
  var state: UInt64
  mutating func next() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(state >> 11) / Double(1 << 52) - 1
  }
}

/// Runs one case for one scalar type, transpose combination and kernel, and checks every element
/// of C against a Double reference; also checks that the padding columns of C are untouched.
private func check<S: TensorScalar>(
  _: S.Type, _ t: GEMMCase, transposeA: Bool, transposeB: Bool, kernel: GEMMKernelChoice,
  threads: Int = 1, dynamic: Bool = false
) {
  var rng = LCG(state: UInt64(t.m * 7919 + t.n * 104_729 + t.k * 31 + (transposeA ? 1 : 2)))
  // Row strides larger than the minimum, different for each matrix.
  let (aRows, aCols) = transposeA ? (t.k, t.m) : (t.m, t.k)
  let (bRows, bCols) = transposeB ? (t.n, t.k) : (t.k, t.n)
  let lda = aCols + 3
  let ldb = bCols + 5
  let ldc = t.n + 2
  let a = (0..<max(1, aRows * lda)).map { _ in S(rng.next()) }
  let b = (0..<max(1, bRows * ldb)).map { _ in S(rng.next()) }
  let sentinel = S(1234.5)
  var c = [S](repeating: sentinel, count: max(1, t.m * ldc))
  for i in 0..<t.m {
    for j in 0..<t.n { c[i * ldc + j] = t.beta == 0 ? .nan : S(rng.next()) }
  }
  let c0 = c
  a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        guard let a0 = pa.baseAddress, let b0 = pb.baseAddress, let cBase = pc.baseAddress else {
          Issue.record("empty operand buffers")
          return
        }
        GEMM.multiply(
          transposeA: transposeA, transposeB: transposeB, m: t.m, n: t.n, k: t.k,
          alpha: S(t.alpha), a0, lda: lda, b0, ldb: ldb,
          beta: S(t.beta), cBase, ldc: ldc, kernel: kernel, threads: threads,
          dynamicThreshold: dynamic ? 0 : GEMM.dynamicThreshold)
      }
    }
  }
  let eps = Double(S.ulpOfOne)
  var failures = 0
  for i in 0..<t.m {
    for j in 0..<t.n {
      var sum = 0.0
      var magnitude = 0.0
      for p in 0..<t.k {
        let x = Double(transposeA ? a[p * lda + i] : a[i * lda + p])
        let y = Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
        sum += x * y
        magnitude += abs(x * y)
      }
      var expected = t.alpha * sum
      var bound = abs(t.alpha) * magnitude
      if t.beta != 0 {
        expected += t.beta * Double(c0[i * ldc + j])
        bound += abs(t.beta * Double(c0[i * ldc + j]))
      }
      let got = Double(c[i * ldc + j])
      // Worst-case rounding of a length-k dot product plus the alpha/beta update.
      let tolerance = Double(t.k + 4) * eps * bound + Double(S.leastNormalMagnitude)
      if !(abs(got - expected) <= tolerance) {
        failures += 1
        if failures <= 3 {
          Issue.record(
            """
            \(S.self) \(t) tA=\(transposeA) tB=\(transposeB) \(kernel) threads=\(threads) \
            dynamic=\(dynamic): \
            C[\(i),\(j)] = \(got), expected \(expected)
            """)
        }
      }
    }
    for j in t.n..<ldc where c[i * ldc + j] != sentinel {
      Issue.record("\(S.self) \(t): padding C[\(i),\(j)] was overwritten")
    }
  }
}

/// Paths to test: automatic, the unpacked small path, the packed portable Swift kernel always,
/// the packed and unpacked C kernels where this CPU has them, and the packed AVX2 tiles apart
/// from the AVX-512 ones where it has both.
private let kernels: [GEMMKernelChoice] =
  [.automatic, .small, .portable] + (GEMM.hasFastKernel ? [.packed, .smallC] : [])
  + (GEMM.runsWideTiles(Float.self) ? [.packedAVX2] : [])

/// One thread; three, so that C is split unevenly (some threads get no tiles at all); and three
/// taking small chunks of work as they go (what large products do).
private let threadings: [(threads: Int, dynamic: Bool)] = [(1, false), (3, false), (3, true)]

/// Non-square shapes from {1, 7, 17, 33, 65, 129}, with varied alpha and beta, plus shapes
/// that cross the depth (k > 256) and row (m > 144) block boundaries.
private let cases: [GEMMCase] = [
  GEMMCase(m: 1, n: 1, k: 1),
  GEMMCase(m: 7, n: 17, k: 33, alpha: 0.5, beta: 2),
  GEMMCase(m: 17, n: 7, k: 65, alpha: -1.5, beta: 1),
  GEMMCase(m: 33, n: 65, k: 1, alpha: 2),
  GEMMCase(m: 5, n: 21, k: 1, alpha: -1, beta: 0.5),
  GEMMCase(m: 9, n: 30, k: 1, beta: 1),  // a batch-1 weight gradient accumulating
  GEMMCase(m: 4, n: 6, k: 1, alpha: 0.5, beta: 1),  // rows narrower than a vector
  GEMMCase(m: 65, n: 33, k: 7, beta: -0.5),
  GEMMCase(m: 129, n: 17, k: 33, alpha: 0.25),
  GEMMCase(m: 17, n: 129, k: 7, alpha: 1, beta: 1),
  GEMMCase(m: 1, n: 129, k: 17, alpha: 3, beta: 0.5),
  GEMMCase(m: 3, n: 200, k: 30, alpha: -2),
  GEMMCase(m: 129, n: 1, k: 65),
  GEMMCase(m: 6, n: 16, k: 17, beta: 0.5),
  GEMMCase(m: 150, n: 17, k: 300, alpha: 1.25, beta: -1),
  GEMMCase(m: 7, n: 33, k: 520),
  GEMMCase(m: 20, n: 48, k: 40, alpha: 0.5, beta: 1),  // a pair of 16-column panels and one alone
  GEMMCase(m: 151, n: 96, k: 270, beta: 0.5),  // three pairs, past the row and depth blocks
]

/// `GEMM.multiply` against a naive Double reference, on both kernel paths.
@Suite("GEMM")
struct GEMMTests {
  /// Every shape, transpose combination, kernel and thread count, in Float.
  @Test("Float against a Double reference", arguments: cases)
  func float(_ t: GEMMCase) {
    for kernel in kernels {
      for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        // Only the packed kernels split work across threads.
        for (threads, dynamic) in [.packed, .packedAVX2, .portable].contains(kernel)
          ? threadings : [(1, false)]
        {
          check(
            Float.self, t, transposeA: ta, transposeB: tb, kernel: kernel, threads: threads,
            dynamic: dynamic)
        }
      }
    }
  }

  /// Every shape, transpose combination, kernel and thread count, in Double.
  @Test("Double against a Double reference", arguments: cases)
  func double(_ t: GEMMCase) {
    for kernel in kernels {
      for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        // Only the packed kernels split work across threads.
        for (threads, dynamic) in [.packed, .packedAVX2, .portable].contains(kernel)
          ? threadings : [(1, false)]
        {
          check(
            Double.self, t, transposeA: ta, transposeB: tb, kernel: kernel, threads: threads,
            dynamic: dynamic)
        }
      }
    }
  }

  /// With no depth, C becomes beta * C, and zeros (not NaN) when beta is 0.
  @Test("k == 0 scales C by beta, and beta == 0 overwrites NaN", arguments: [0.0, 2.0])
  func emptyDepth(beta: Double) {
    for kernel in kernels {
      for t in [GEMMCase(m: 7, n: 17, k: 0, beta: beta), GEMMCase(m: 1, n: 33, k: 0, beta: beta)] {
        check(Float.self, t, transposeA: false, transposeB: true, kernel: kernel)
        check(Double.self, t, transposeA: true, transposeB: false, kernel: kernel)
      }
    }
  }

  /// m == 0 or n == 0 must not touch C.
  @Test("Empty m or n leaves C alone")
  func emptyOutput() {
    var c: [Float] = [7]
    let a: [Float] = [1]
    GEMM.multiply(
      transposeA: false, transposeB: false, m: 0, n: 1, k: 1, alpha: 1, a, lda: 1, a, ldb: 1,
      beta: 0, &c, ldc: 1)
    GEMM.multiply(
      transposeA: false, transposeB: false, m: 1, n: 0, k: 1, alpha: 1, a, lda: 1, a, ldb: 1,
      beta: 0, &c, ldc: 1)
    #expect(c == [7])
  }

  /// `Float._gemm` forwards to `GEMM.multiply`.
  @Test("The public entry point runs the same GEMM")
  func publicEntryPoint() {
    let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2x3
    let b: [Float] = [1, 0, 0, 1, 1, 1]  // 3x2
    var c = [Float](repeating: .nan, count: 4)
    Float._gemm(
      transposeA: false, transposeB: false, m: 2, n: 2, k: 3, alpha: 1, a, lda: 3, b, ldb: 2,
      beta: 0, &c, ldc: 2)
    #expect(c == [4, 5, 10, 11])
  }
}
