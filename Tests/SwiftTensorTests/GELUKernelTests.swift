import Testing

@testable import SwiftTensor

/// The tanh GELU's value-and-derivative loops: the AVX-512 one gives the AVX2 one's bits, and
/// both give the bits of the forward and backward kernels, over a sweep with special values
/// and every tail length (a NaN may come out with another sign or payload).
@Suite struct GELUKernelTests {
  /// Values from -12 to 12 in uneven steps, then the special ones.
  static let inputs: [Float] =
    (0..<997).map { Float($0) * 0.0241 - 12 }
    + [0, -0, .infinity, -.infinity, .nan, 1e-30, -1e-30, .leastNonzeroMagnitude, 9.99, 10.01, 88]

  #if arch(x86_64)
    /// `(values, derivatives)` of the first `count` inputs by one of the C loops.
    func run(count: Int, avx512: Bool) -> (values: [Float], slopes: [Float]) {
      var slopes = Array(Self.inputs.prefix(count))
      var values = [Float](repeating: -1, count: count)
      slopes.withUnsafeMutableBufferPointer { x in
        values.withUnsafeMutableBufferPointer { y in
          FloatKernels.geluTanhSlopeC(
            x.baseAddress.unsafelyUnwrapped, y.baseAddress.unsafelyUnwrapped, count: count,
            avx512: avx512)
        }
      }
      return (values, slopes)
    }

    /// The first index where `a` and `b` differ in bits (any two NaNs agree), with both values;
    /// nil when they agree.
    func firstDifference(_ a: [Float], _ b: [Float]) -> String? {
      guard a.count == b.count else { return "counts \(a.count) and \(b.count)" }
      return a.indices.first { i in
        !(a[i].isNaN && b[i].isNaN) && a[i].bitPattern != b[i].bitPattern
      }.map { "index \($0) (x = \(Self.inputs[$0])): \(a[$0]) != \(b[$0])" }
    }

    @Test func wideLoopGivesTheSameBits() {
      guard CPU.hasAVX512F else { return }
      for count in [Self.inputs.count] + Array(0...40) {
        let (wide, narrow) = (run(count: count, avx512: true), run(count: count, avx512: false))
        #expect(firstDifference(wide.values, narrow.values) == nil, "values, count \(count)")
        #expect(firstDifference(wide.slopes, narrow.slopes) == nil, "slopes, count \(count)")
      }
    }

    @Test func loopMatchesTheForwardAndBackwardKernels() {
      guard CPU.hasAVX2FMA else { return }
      let x = Tensor(shape: [Self.inputs.count], scalars: Self.inputs)
      let values = x.gelu(approximation: .tanh).scalars
      let slopes = Tensor<Float>(repeating: 1, shape: [Self.inputs.count])
        .activationGradient(.geluTanh, at: x, name: "test").scalars
      for avx512 in CPU.hasAVX512F ? [false, true] : [false] {
        let result = run(count: Self.inputs.count, avx512: avx512)
        #expect(firstDifference(result.values, values) == nil, "values, avx512 \(avx512)")
        #expect(firstDifference(result.slopes, slopes) == nil, "slopes, avx512 \(avx512)")
      }
    }
  #endif
}
