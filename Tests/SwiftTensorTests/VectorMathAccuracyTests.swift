import Foundation
import Testing

@testable import SwiftTensor

// Sweeps against Foundation references; see VectorMathTestSupport.swift for the conventions.

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

/// `count` magnitudes evenly spaced in log2 from 2^lo to 2^hi, each with both signs.
private func logSpaced(_ lo: Double, _ hi: Double, _ count: Int) -> [Double] {
  uniformPoints(lo, hi, count).flatMap { [exp2($0), -exp2($0)] }
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

private func checkFloat(
  _ name: String, _ xs: [Double], bound: Double, _ operation: UnaryKernel<Float>,
  reference: (Double) -> Double
) {
  let inputs = xs.map { Float($0) }
  let x64 = inputs.map(Double.init)
  // Rounded to Float, so that overflow and underflow to 0 are judged as a Float result would be.
  let refs = x64.map { Double(Float(reference($0))) == 0 ? 0 : reference($0) }
    .map { Float($0).isInfinite ? Double(Float($0)) : $0 }
  for path in vectorMathPaths {
    let ys = runVectorMath(operation, inputs, path).map(Double.init)
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
  for path in vectorMathPaths {
    let ys = runVectorMath(operation, xs, path)
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
      uniformPoints(-104.5, 89.5, 400_000) + logSpaced(-140, 6, 20_000)
      + uniformPoints(88.7, 88.73, 2_000) + uniformPoints(-87.4, -87.3, 2_000)
      + uniformPoints(-104, -103.9, 2_000)
    checkFloat("exp", xs, bound: floatExpBound, .exp) { Foundation.exp($0) }
  }

  @Test func floatLog() {
    // Every binade including subnormals, the reduction's split point sqrt(1/2), and the
    // neighbourhood of 1 where the result is tiny.
    let xs =
      uniformPoints(-149, 128, 300_000).map { exp2($0) } + uniformPoints(0.5, 2, 300_000)
      + uniformPoints(0.7, 0.72, 5_000) + (-3_000...3_000).map { 1 + Double($0) * 0x1p-24 }
    checkFloat("log", xs, bound: floatLogBound, .log) { Foundation.log($0) }
  }

  @Test func floatTanh() {
    let xs = uniformPoints(-10, 10, 400_000) + logSpaced(-149, 4.4, 20_000)
    checkFloat("tanh", xs, bound: floatTanhBound, .tanh) { Foundation.tanh($0) }
  }

  @Test func floatSigmoid() {
    // Down to where the result underflows to 0, through the subnormal results.
    let xs = uniformPoints(-105, 30, 400_000) + logSpaced(-149, 6, 20_000)
    checkFloat("sigmoid", xs, bound: floatSigmoidBound, .sigmoid) {
      1 / (1 + Foundation.exp(-$0))
    }
  }

  @Test func doubleExp() {
    let xs =
      uniformPoints(-746, 710, 300_000) + logSpaced(-1000, 9, 10_000)
      + uniformPoints(709.7, 709.8, 1_000) + uniformPoints(-708.5, -708.3, 1_000)
      + uniformPoints(-745.2, -744.4, 1_000)
    checkDouble("exp", xs, bound: doubleExpBound, .exp) { Foundation.exp($0) }
  }

  @Test func doubleLog() {
    let xs =
      uniformPoints(-1074, 1024, 200_000).map { exp2($0) } + uniformPoints(0.5, 2, 200_000)
      + uniformPoints(0.7, 0.72, 3_000) + (-2_000...2_000).map { 1 + Double($0) * 0x1p-53 }
    checkDouble("log", xs, bound: doubleLogBound, .log) { Foundation.log($0) }
  }

  @Test func doubleTanh() {
    let xs = uniformPoints(-20, 20, 300_000) + logSpaced(-1074, 5.4, 10_000)
    checkDouble("tanh", xs, bound: doubleTanhBound, .tanh) { Foundation.tanh($0) }
  }

  @Test func doubleSigmoid() {
    // Below ~-709 the reference's exp(-x) overflows and it returns 0 for a subnormal result,
    // so the sweep stops at -708; the limits are checked in the special-value tests.
    let xs = uniformPoints(-708, 40, 300_000) + logSpaced(-1074, 9, 10_000)
    checkDouble("sigmoid", xs, bound: doubleSigmoidBound, .sigmoid) {
      1 / (1 + Foundation.exp(-$0))
    }
  }
}
