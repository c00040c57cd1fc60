/// Raw entry points into the kernels for the package's benchmark executable, which imports
/// them with `@_spi(Benchmarks) import SwiftTensor`; not part of the public API.
///
/// They take raw pointers and check nothing; use the `Tensor` API.
@_spi(Benchmarks)
public enum _BenchmarkKernels {
  /// The kernels this process runs: `"avx2-fma"`, or `"portable"` (another CPU, or
  /// `SWIFTTENSOR_PORTABLE_KERNELS` set), for the benchmark's report.
  public static var kernelSet: String { CPU.kernelSetName }

  /// The element-wise functions the benchmark measures.
  public enum Function: Sendable {
    /// `e^x`
    case exp
    /// Hyperbolic tangent.
    case tanh
    /// `1 / (1 + e^-x)`
    case sigmoid
    /// `max(x, 0)`
    case relu
  }

  /// `C = A·B` for row-major, contiguous `A` (`m x k`, or `k x m` read transposed when
  /// `transposeA`, as a weight gradient `xᵀ·dz` reads it), `B` (`k x n`) and `C` (`m x n`), by
  /// the kernel `Tensor.matmul` runs. O(m·n·k).
  public static func gemm<S: TensorScalar>(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>,
    _ c: UnsafeMutablePointer<S>, transposeA: Bool = false
  ) {
    S._gemm(
      transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: 1, a,
      lda: transposeA ? m : k, b, ldb: n, beta: 0, c, ldc: n)
  }

  /// `destination[i] = function(source[i])` for `i < count`, by the kernel `Tensor.exp()` (and
  /// the others) run. O(count).
  public static func unary(
    _ function: Function, _ source: UnsafePointer<Float>,
    _ destination: UnsafeMutablePointer<Float>, count: Int
  ) {
    let operation: UnaryKernel<Float> =
      switch function {
      case .exp: .exp
      case .tanh: .tanh
      case .sigmoid: .sigmoid
      case .relu: .relu
      }
    Float._unaryKernel(operation, source, destination, count: count)
  }
}
