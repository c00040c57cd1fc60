import Foundation
import Testing

@testable import SwiftTensor

// Every check runs on both implementations: the portable Swift kernels (`VectorMath`, through
// `ElementwiseKernels.unary(..., vectorMath: .portable)`) and, on a CPU with AVX2+FMA, the C
// kernels that `.automatic` picks there. Both must meet the same bounds.
//
// Accuracy sweeps compare VectorMath against Foundation (glibc) evaluated in Double, so the Float
// references are far more accurate than the Float results. Errors are relative, |y - ref| / |ref|,
// wherever the reference is a normal number; where it is subnormal, the absolute error must stay
// within `subnormalSteps` multiples of the smallest subnormal.

// MARK: - Bounds (about 1.5-2x the measured maxima given in the comments)

/// Float exp: measured 7.9e-8 (under one ulp; includes the final rounding to Float).
private let floatExpBound = 1.2e-7
/// Float log: measured 7.7e-8.
private let floatLogBound = 1.2e-7
/// Float tanh: measured 1.5e-7.
private let floatTanhBound = 3e-7
/// Float sigmoid: measured 1.9e-7.
private let floatSigmoidBound = 3e-7
/// Double exp: measured 2.2e-16 (2^-52, one ulp at the bottom of a binade).
private let doubleExpBound = 3.5e-16
/// Double log: measured 2.2e-16.
private let doubleLogBound = 3.5e-16
/// Double tanh: measured 4.4e-16 (includes the reference libm's own error).
private let doubleTanhBound = 8e-16
/// Double sigmoid: measured 4.4e-16 (the reference is itself rounded several times).
private let doubleSigmoidBound = 8e-16
/// Subnormal results: measured 0.74 steps (Float exp, sigmoid) and 1.0 (Double exp: one step
/// from the correctly rounded reference, the kernel's polynomial error tipping a rounding).
private let subnormalSteps = 1.0

// MARK: - Sweep helpers

/// Evenly spaced points in `a...b`.
private func uniform(_ a: Double, _ b: Double, _ count: Int) -> [Double] {
  (0..<count).map { a + (b - a) * Double($0) / Double(count - 1) }
}

/// `count` magnitudes evenly spaced in log2 from 2^lo to 2^hi, each with both signs.
private func logSpaced(_ lo: Double, _ hi: Double, _ count: Int) -> [Double] {
  uniform(lo, hi, count).flatMap { [exp2($0), -exp2($0)] }
}

/// Runs a vector function over `xs`, padding the last vector with `pad`.
private func apply<V: SIMD>(_ xs: [V.Scalar], pad: V.Scalar, _ f: (V) -> V) -> [V.Scalar] {
  let w = V.scalarCount
  let padded = xs + Array(repeating: pad, count: (w - xs.count % w) % w)
  var out = padded
  padded.withUnsafeBytes { src in
    out.withUnsafeMutableBytes { dst in
      let stride = MemoryLayout<V.Scalar>.stride * w
      for i in 0..<(padded.count / w) {
        dst.storeBytes(
          of: f(src.loadUnaligned(fromByteOffset: i * stride, as: V.self)),
          toByteOffset: i * stride, as: V.self)
      }
    }
  }
  return Array(out.prefix(xs.count))
}

/// The worst error of `ys` against `refs` (see the file comment); `inf` / 0 references require
/// exact results.
private struct Worst: CustomStringConvertible {
  var relative = 0.0
  var relativeAt = 0.0
  var subnormalSteps = 0.0
  var failures: [String] = []

  init(_ xs: [Double], _ ys: [Double], _ refs: [Double], leastNormal: Double, leastNonzero: Double)
  {
    for i in xs.indices {
      let (x, y, ref) = (xs[i], ys[i], refs[i])
      if ref.isInfinite || ref == 0 {
        if y != ref, failures.count < 5 { failures.append("f(\(x)) = \(y), expected \(ref)") }
      } else if abs(ref) < leastNormal {
        subnormalSteps = max(subnormalSteps, abs(y - ref) / leastNonzero)
      } else {
        let e = abs(y - ref) / abs(ref)
        if !(e <= relative) { (relative, relativeAt) = (e, x) }
      }
    }
  }

  var description: String {
    "max relative \(relative) at \(relativeAt), subnormal steps \(subnormalSteps)"
  }
}

/// The implementations under test: the Swift kernels always, the C kernels where this CPU runs
/// them.
private let paths: [VectorMathKernelChoice] =
  CPU.hasAVX2FMA ? [.portable, .automatic] : [.portable]

/// Runs one unary kernel over `xs` with the chosen implementation.
private func run<S: TensorScalar>(
  _ operation: UnaryKernel<S>, _ xs: [S], _ path: VectorMathKernelChoice
) -> [S] {
  var ys = [S](repeating: 0, count: xs.count)
  xs.withUnsafeBufferPointer { src in
    ys.withUnsafeMutableBufferPointer { dst in
      guard let s = src.baseAddress, let d = dst.baseAddress else { return }
      ElementwiseKernels.unary(operation, s, d, count: xs.count, vectorMath: path)
    }
  }
  return ys
}

private func checkFloat(
  _ name: String, _ xs: [Double], bound: Double, _ operation: UnaryKernel<Float>,
  reference: (Double) -> Double
) {
  let inputs = xs.map { Float($0) }
  let x64 = inputs.map(Double.init)
  // Rounded to Float, so that overflow and underflow to 0 are judged as a Float result would be.
  let refs = x64.map { Double(Float(reference($0))) == 0 ? 0 : reference($0) }
    .map { Float($0).isInfinite ? Double(Float($0)) : $0 }
  for path in paths {
    let ys = run(operation, inputs, path).map(Double.init)
    let worst = Worst(
      x64, ys, refs, leastNormal: Double(Float.leastNormalMagnitude),
      leastNonzero: Double(Float.leastNonzeroMagnitude))
    print("Float \(name) (\(path)): \(worst)")
    #expect(worst.failures.isEmpty, "\(name) (\(path)): \(worst.failures)")
    #expect(worst.relative < bound, "\(name) (\(path)): \(worst)")
    #expect(worst.subnormalSteps <= subnormalSteps, "\(name) (\(path)): \(worst)")
  }
}

private func checkDouble(
  _ name: String, _ xs: [Double], bound: Double, _ operation: UnaryKernel<Double>,
  reference: (Double) -> Double
) {
  let refs = xs.map(reference)
  for path in paths {
    let ys = run(operation, xs, path)
    let worst = Worst(
      xs, ys, refs, leastNormal: Double.leastNormalMagnitude,
      leastNonzero: Double.leastNonzeroMagnitude)
    print("Double \(name) (\(path)): \(worst)")
    #expect(worst.failures.isEmpty, "\(name) (\(path)): \(worst.failures)")
    #expect(worst.relative < bound, "\(name) (\(path)): \(worst)")
    #expect(worst.subnormalSteps <= subnormalSteps, "\(name) (\(path)): \(worst)")
  }
}

// MARK: - Accuracy

@Suite struct VectorMathAccuracyTests {
  @Test func floatExp() {
    // The whole range from total underflow to overflow, tiny arguments, and the thresholds.
    let xs =
      uniform(-104.5, 89.5, 400_000) + logSpaced(-140, 6, 20_000)
      + uniform(88.7, 88.73, 2_000) + uniform(-87.4, -87.3, 2_000) + uniform(-104, -103.9, 2_000)
    checkFloat("exp", xs, bound: floatExpBound, .exp) { Foundation.exp($0) }
  }

  @Test func floatLog() {
    // Every binade including subnormals, the reduction's split point sqrt(1/2), and the
    // neighbourhood of 1 where the result is tiny.
    let xs =
      uniform(-149, 128, 300_000).map { exp2($0) } + uniform(0.5, 2, 300_000)
      + uniform(0.7, 0.72, 5_000) + (-3_000...3_000).map { 1 + Double($0) * 0x1p-24 }
    checkFloat("log", xs, bound: floatLogBound, .log) { Foundation.log($0) }
  }

  @Test func floatTanh() {
    let xs = uniform(-10, 10, 400_000) + logSpaced(-149, 4.4, 20_000)
    checkFloat("tanh", xs, bound: floatTanhBound, .tanh) { Foundation.tanh($0) }
  }

  @Test func floatSigmoid() {
    // Down to where the result underflows to 0, through the subnormal results.
    let xs = uniform(-105, 30, 400_000) + logSpaced(-149, 6, 20_000)
    checkFloat("sigmoid", xs, bound: floatSigmoidBound, .sigmoid) {
      1 / (1 + Foundation.exp(-$0))
    }
  }

  @Test func doubleExp() {
    let xs =
      uniform(-746, 710, 300_000) + logSpaced(-1000, 9, 10_000)
      + uniform(709.7, 709.8, 1_000) + uniform(-708.5, -708.3, 1_000)
      + uniform(-745.2, -744.4, 1_000)
    checkDouble("exp", xs, bound: doubleExpBound, .exp) { Foundation.exp($0) }
  }

  @Test func doubleLog() {
    let xs =
      uniform(-1074, 1024, 200_000).map { exp2($0) } + uniform(0.5, 2, 200_000)
      + uniform(0.7, 0.72, 3_000) + (-2_000...2_000).map { 1 + Double($0) * 0x1p-53 }
    checkDouble("log", xs, bound: doubleLogBound, .log) { Foundation.log($0) }
  }

  @Test func doubleTanh() {
    let xs = uniform(-20, 20, 300_000) + logSpaced(-1074, 5.4, 10_000)
    checkDouble("tanh", xs, bound: doubleTanhBound, .tanh) { Foundation.tanh($0) }
  }

  @Test func doubleSigmoid() {
    // Below ~-709 the reference's exp(-x) overflows and it returns 0 for a subnormal result,
    // so the sweep stops at -708; the limits are checked in the special-value tests.
    let xs = uniform(-708, 40, 300_000) + logSpaced(-1074, 9, 10_000)
    checkDouble("sigmoid", xs, bound: doubleSigmoidBound, .sigmoid) {
      1 / (1 + Foundation.exp(-$0))
    }
  }
}

// MARK: - Special values

/// Equal including the sign of zero; NaN matches NaN.
private func same<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
  (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
}

/// Checks `operation` on `(input, expected)` pairs packed together into vectors, so a lane's
/// result must not depend on its neighbours; on every implementation.
private func expectExact<S: TensorScalar>(
  _ operation: UnaryKernel<S>, _ cases: [(S, S)],
  sourceLocation: SourceLocation = #_sourceLocation
) {
  for path in paths {
    let ys = run(operation, cases.map(\.0), path)
    for (c, y) in zip(cases, ys) {
      #expect(
        same(y, c.1), "\(operation)(\(c.0)) = \(y), expected \(c.1) (\(path))",
        sourceLocation: sourceLocation)
    }
  }
}

/// `operation` at one input, on each implementation.
private func single<S: TensorScalar>(_ operation: UnaryKernel<S>, _ x: S) -> [S] {
  paths.map { run(operation, [x], $0)[0] }
}

/// tanh is odd, bit for bit, on each implementation.
private func expectOddTanh<S: TensorScalar>(
  _ xs: [S], sourceLocation: SourceLocation = #_sourceLocation
) {
  for path in paths {
    let plus = run(.tanh, xs, path)
    let minus = run(.tanh, xs.map { -$0 }, path)
    #expect(
      zip(plus, minus).allSatisfy { same($0, -$1) }, "tanh is not odd (\(path))",
      sourceLocation: sourceLocation)
  }
}

@Suite struct VectorMathSpecialValueTests {
  @Test func floatExp() {
    let tiny = Float.leastNonzeroMagnitude
    expectExact(
      UnaryKernel<Float>.exp,
      [
        (0, 1), (-0.0, 1), (.infinity, .infinity), (-.infinity, 0), (.nan, .nan),
        (88.73, .infinity), (89, .infinity), (1000, .infinity), (-104, 0), (-1000, 0),
        // ln(2^-149) = -103.2789: the smallest subnormal, reached through the two-step scale.
        (-103.2789, tiny), (-103.9, tiny),
      ])
    for top in single(UnaryKernel<Float>.exp, 88.72283) {
      #expect(top.isFinite && top > 3.4e38)
    }
  }

  @Test func doubleExp() {
    let tiny = Double.leastNonzeroMagnitude
    expectExact(
      UnaryKernel<Double>.exp,
      [
        (0, 1), (-0.0, 1), (.infinity, .infinity), (-.infinity, 0), (.nan, .nan),
        (709.79, .infinity), (710, .infinity), (1e5, .infinity), (-746, 0), (-1e5, 0),
        (-744.44, tiny), (-745.1, tiny),
      ])
    for top in single(UnaryKernel<Double>.exp, 709.78) {
      #expect(top.isFinite && top > 1.79e308)
    }
  }

  @Test func floatLog() {
    expectExact(
      UnaryKernel<Float>.log,
      [
        (0, -.infinity), (-0.0, -.infinity), (-1, .nan), (-.leastNonzeroMagnitude, .nan),
        (-.infinity, .nan), (.infinity, .infinity), (.nan, .nan), (1, 0),
      ])
    // Subnormal inputs must be normalised first, or their exponent would read as -126.
    for sub in single(UnaryKernel<Float>.log, .leastNonzeroMagnitude) {
      #expect(abs(sub - -103.27893) < 1e-4)
    }
  }

  @Test func doubleLog() {
    expectExact(
      UnaryKernel<Double>.log,
      [
        (0, -.infinity), (-0.0, -.infinity), (-1, .nan), (-.leastNonzeroMagnitude, .nan),
        (-.infinity, .nan), (.infinity, .infinity), (.nan, .nan), (1, 0),
      ])
    for sub in single(UnaryKernel<Double>.log, .leastNonzeroMagnitude) {
      #expect(abs(sub - -744.4400719213812) < 1e-12)
    }
  }

  @Test func floatTanh() {
    let tiny = Float.leastNonzeroMagnitude
    expectExact(
      UnaryKernel<Float>.tanh,
      [
        (0, 0), (-0.0, -0.0), (.infinity, 1), (-.infinity, -1), (.nan, .nan),
        (9.5, 1), (-9.5, -1), (20, 1), (-1e30, -1), (1e-10, 1e-10), (-1e-10, -1e-10),
        (tiny, tiny), (-tiny, -tiny),
      ])
    expectOddTanh(uniform(-12, 12, 2_001).map { Float($0) })
  }

  @Test func doubleTanh() {
    let tiny = Double.leastNonzeroMagnitude
    expectExact(
      UnaryKernel<Double>.tanh,
      [
        (0, 0), (-0.0, -0.0), (.infinity, 1), (-.infinity, -1), (.nan, .nan),
        (19.5, 1), (-19.5, -1), (50, 1), (-1e300, -1), (1e-10, 1e-10), (-1e-10, -1e-10),
        (tiny, tiny), (-tiny, -tiny),
      ])
    expectOddTanh(uniform(-25, 25, 2_001))
  }

  @Test func floatSigmoid() {
    expectExact(
      UnaryKernel<Float>.sigmoid,
      [
        (0, 0.5), (-0.0, 0.5), (.infinity, 1), (-.infinity, 0), (.nan, .nan),
        (1000, 1), (-1000, 0), (20, 1), (-110, 0),
      ])
    // e^-100 is subnormal in Float; 1 / (1 + e^100) would give 0.
    for sub in single(UnaryKernel<Float>.sigmoid, -100) {
      #expect(sub > 0 && abs(Double(sub) - 3.720076e-44) < 2e-45)
    }
  }

  @Test func doubleSigmoid() {
    expectExact(
      UnaryKernel<Double>.sigmoid,
      [
        (0, 0.5), (-0.0, 0.5), (.infinity, 1), (-.infinity, 0), (.nan, .nan),
        (1000, 1), (-1000, 0), (40, 1), (-750, 0),
      ])
    for sub in single(UnaryKernel<Double>.sigmoid, -740) {
      #expect(sub > 0 && abs(sub - Foundation.exp(-740.0)) <= Double.leastNonzeroMagnitude)
    }
  }

  @Test func portableKernelEntryMatchesVectorMath() {
    // The portable kernel pads the tail; every element must go through the same function.
    let xs: [Float] = (0..<13).map { Float($0) * 0.75 - 4 }
    var ys = [Float](repeating: 0, count: xs.count)
    Float._unaryKernel(.exp, xs, &ys, count: xs.count)
    let direct = apply(xs, pad: 0, VectorMath.exp as (SIMD8<Float>) -> SIMD8<Float>)
    #expect(run(UnaryKernel<Float>.exp, xs, .portable) == direct)
    // The public entry point is one of the implementations under test.
    #expect(paths.contains { run(UnaryKernel<Float>.exp, xs, $0) == ys })
  }

  @Test(arguments: [UnaryKernel<Float>.exp, .log, .tanh, .sigmoid])
  func resultsDoNotDependOnPosition(_ operation: UnaryKernel<Float>) {
    // Lengths around the C loop's two-vector unrolling and tails; every element alone (a pure
    // tail) must give what it gives in the middle of a long array, and in place as out of place.
    var xs: [Float] = (0..<37).map { Float($0) * 0.37 - 5 }
    // Negative inputs give NaN for log, and NaN != NaN would fail the comparisons.
    if case .log = operation { xs = xs.map { abs($0) + 0.01 } }
    for path in paths {
      let whole = run(operation, xs, path)
      for count in [1, 7, 8, 9, 15, 16, 17, 24, 37] {
        #expect(run(operation, Array(xs.prefix(count)), path) == Array(whole.prefix(count)))
      }
      #expect(xs.indices.allSatisfy { run(operation, [xs[$0]], path)[0] == whole[$0] })
      var inPlace = xs
      inPlace.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        ElementwiseKernels.unary(operation, base, base, count: buffer.count, vectorMath: path)
      }
      #expect(inPlace == whole)
    }
  }

  @Test func doubleResultsDoNotDependOnPosition() {
    let xs: [Double] = (0..<19).map { Double($0) * 0.61 - 5 }
    for path in paths {
      for operation in [UnaryKernel<Double>.exp, .tanh, .sigmoid] {
        let whole = run(operation, xs, path)
        #expect(xs.indices.allSatisfy { run(operation, [xs[$0]], path)[0] == whole[$0] })
      }
    }
  }
}
