import Foundation
import SwiftTensorCKernels

/// What this process's CPU can run, and which kernels it chose, decided once at start-up.
enum CPU {
  /// The environment variable that makes the library run its portable Swift kernels on an
  /// x86_64 CPU that has AVX2+FMA, as an arm64 machine or an older x86_64 CPU always does.
  ///
  /// Any value other than empty or `0` switches the portable kernels on. It exists so that
  /// the path every arm64 user runs is tested, as users run it, on the x86_64 machines where
  /// the tests run (`.ci/run` runs the whole suite once with it set).
  static let portableKernelsVariable = "SWIFTTENSOR_PORTABLE_KERNELS"

  /// Whether `value` (the environment variable's value, nil when unset) asks for the
  /// portable kernels. O(1).
  static func requestsPortableKernels(_ value: String?) -> Bool {
    guard let value else { return false }
    return !value.isEmpty && value != "0"
  }

  /// Whether this process was started with `SWIFTTENSOR_PORTABLE_KERNELS` set. Read once:
  /// a kernel choice that changed while tensors are being computed would mix results of
  /// both paths. O(1) after the first read.
  static let portableKernelsRequested: Bool = requestsPortableKernels(
    ProcessInfo.processInfo.environment[portableKernelsVariable])

  /// Whether this CPU can run the AVX2+FMA kernels of the C target, whatever was requested;
  /// always false off x86_64. Checked once because the CPUID query is not free and the answer
  /// never changes. O(1) after the first read.
  static let supportsAVX2FMA: Bool = {
    #if arch(x86_64)
      return swifttensor_has_avx2_fma() != 0
    #else
      return false
    #endif
  }()

  /// Whether the library runs the AVX2+FMA kernels of the C target (GEMM micro-kernels and
  /// packing, small products, vector math, recurrent gates, SGD): the CPU has them and the
  /// portable kernels were not requested. Every choice of a C kernel reads this. O(1).
  static let hasAVX2FMA: Bool = supportsAVX2FMA && !portableKernelsRequested

  /// Whether the library runs the AVX-512 kernels of the C target (the tanh GELU's forward
  /// pass with its derivative): `hasAVX2FMA` holds and the CPU and operating system run
  /// AVX-512F code. Checked once. O(1) after the first read.
  static let hasAVX512F: Bool = {
    #if arch(x86_64)
      return hasAVX2FMA && swifttensor_has_avx512f() != 0
    #else
      return false
    #endif
  }()

  /// The kernels this process runs, as a name for test output and benchmark reports:
  /// `"avx2-fma"` or `"portable"`. O(1).
  static var kernelSetName: String { hasAVX2FMA ? "avx2-fma" : "portable" }
}
