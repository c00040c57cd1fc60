import Foundation
import Testing

@testable import SwiftTensor

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
  for path in vectorMathPaths {
    let ys = runVectorMath(operation, cases.map(\.0), path)
    for (c, y) in zip(cases, ys) {
      #expect(
        same(y, c.1), "\(operation)(\(c.0)) = \(y), expected \(c.1) (\(path))",
        sourceLocation: sourceLocation)
    }
  }
}

/// `operation` at one input, on each implementation.
private func single<S: TensorScalar>(_ operation: UnaryKernel<S>, _ x: S) -> [S] {
  vectorMathPaths.map { runVectorMath(operation, [x], $0)[0] }
}

/// tanh is odd, bit for bit, on each implementation.
private func expectOddTanh<S: TensorScalar>(
  _ xs: [S], sourceLocation: SourceLocation = #_sourceLocation
) {
  for path in vectorMathPaths {
    let plus = runVectorMath(.tanh, xs, path)
    let minus = runVectorMath(.tanh, xs.map { -$0 }, path)
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
    expectOddTanh(uniformPoints(-12, 12, 2_001).map { Float($0) })
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
    expectOddTanh(uniformPoints(-25, 25, 2_001))
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
    let direct = applyLanes(xs, pad: 0, VectorMath.exp as (SIMD8<Float>) -> SIMD8<Float>)
    #expect(runVectorMath(UnaryKernel<Float>.exp, xs, .portable) == direct)
    // The public entry point is one of the implementations under test.
    #expect(vectorMathPaths.contains { runVectorMath(UnaryKernel<Float>.exp, xs, $0) == ys })
  }

  @Test(arguments: [UnaryKernel<Float>.exp, .log, .tanh, .sigmoid])
  func resultsDoNotDependOnPosition(_ operation: UnaryKernel<Float>) {
    // Lengths around the C loop's two-vector unrolling and tails; every element alone (a pure
    // tail) must give what it gives in the middle of a long array, and in place as out of place.
    var xs: [Float] = (0..<37).map { Float($0) * 0.37 - 5 }
    // Negative inputs give NaN for log, and NaN != NaN would fail the comparisons.
    if case .log = operation { xs = xs.map { abs($0) + 0.01 } }
    for path in vectorMathPaths {
      let whole = runVectorMath(operation, xs, path)
      for count in [1, 7, 8, 9, 15, 16, 17, 24, 37] {
        #expect(
          runVectorMath(operation, Array(xs.prefix(count)), path) == Array(whole.prefix(count)))
      }
      #expect(xs.indices.allSatisfy { runVectorMath(operation, [xs[$0]], path)[0] == whole[$0] })
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
    for path in vectorMathPaths {
      for operation in [UnaryKernel<Double>.exp, .tanh, .sigmoid] {
        let whole = runVectorMath(operation, xs, path)
        #expect(xs.indices.allSatisfy { runVectorMath(operation, [xs[$0]], path)[0] == whole[$0] })
      }
    }
  }
}
