import SwiftTensorCKernels

/// What this process's CPU can run, queried once.
enum CPU {
  /// Whether the AVX2+FMA kernels of the C target (GEMM micro-kernels, vector math) can run
  /// here; always false off x86_64. Checked once because the CPUID query is not free and the
  /// answer never changes. O(1) after the first read.
  static let hasAVX2FMA: Bool = {
    #if arch(x86_64)
      return swifttensor_has_avx2_fma() != 0
    #else
      return false
    #endif
  }()
}
