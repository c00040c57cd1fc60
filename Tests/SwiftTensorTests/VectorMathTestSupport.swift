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
//
// This file holds what both the accuracy and the special-value suites use.

/// Evenly spaced points in `a...b`.
func uniformPoints(_ a: Double, _ b: Double, _ count: Int) -> [Double] {
  (0..<count).map { a + (b - a) * Double($0) / Double(count - 1) }
}

/// Runs a vector function over `xs`, padding the last vector with `pad`.
func applyLanes<V: SIMD>(_ xs: [V.Scalar], pad: V.Scalar, _ f: (V) -> V) -> [V.Scalar] {
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

/// The implementations under test: the Swift kernels always, the C kernels where this CPU runs
/// them.
let vectorMathPaths: [VectorMathKernelChoice] =
  CPU.hasAVX2FMA ? [.portable, .automatic] : [.portable]

/// Runs one unary kernel over `xs` with the chosen implementation.
func runVectorMath<S: TensorScalar>(
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
