import Foundation
import Testing

@testable import SwiftTensor

/// The `SWIFTTENSOR_PORTABLE_KERNELS` switch: parsed as documented, read into the one flag every
/// kernel choice reads, and really changing which kernels run. `.ci/run` runs the suite with and
/// without it, so each run checks that it got the kernels it asked for.
@Suite struct PortableKernelTests {
  /// Unset, empty and `0` keep the automatic choice; anything else asks for portable kernels.
  @Test func variableValues() {
    #expect(!CPU.requestsPortableKernels(nil))
    #expect(!CPU.requestsPortableKernels(""))
    #expect(!CPU.requestsPortableKernels("0"))
    #expect(CPU.requestsPortableKernels("1"))
    #expect(CPU.requestsPortableKernels("yes"))
  }

  /// The flag the kernels read agrees with this process's environment and CPU.
  @Test func choiceFollowsTheEnvironment() {
    let value = ProcessInfo.processInfo.environment[CPU.portableKernelsVariable]
    let requested = CPU.requestsPortableKernels(value)
    #expect(CPU.portableKernelsRequested == requested)
    #expect(CPU.hasAVX2FMA == (CPU.supportsAVX2FMA && !requested))
    #expect(GEMM.hasFastKernel == CPU.hasAVX2FMA)
    #expect(CPU.kernelSetName == (CPU.hasAVX2FMA ? "avx2-fma" : "portable"))
    if requested { #expect(CPU.kernelSetName == "portable") }
  }

  /// `A × B` through the packed path, with the automatic or the portable micro-kernel.
  func packedProduct(_ kernel: GEMMKernelChoice) -> [Float] {
    let (m, n, k) = (40, 40, 40)
    let a: [Float] = (0..<(m * k)).map { index in Float((index * 37 + 11) % 101) / 25 - 2 }
    let b: [Float] = (0..<(k * n)).map { index in Float((index * 53 + 7) % 97) / 23 - 2 }
    var c = [Float](repeating: 0, count: m * n)
    c.withUnsafeMutableBufferPointer { c in
      guard let c = c.baseAddress else { return }
      GEMM.multiply(
        transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a, lda: k, b, ldb: n,
        beta: 0, c, ldc: n, kernel: kernel, threads: 1)
    }
    return c
  }

  /// In portable mode the automatic choice is the Swift micro-kernel, bit for bit; with the C
  /// kernels it is the FMA kernel, whose single roundings differ from the Swift kernel's
  /// multiply-then-add somewhere in a 40-term product.
  @Test func automaticGEMMIsPortableExactlyWhenSwitched() {
    #expect(GEMM.isSmall(m: 40, n: 40, k: 40) == false)
    let automatic = packedProduct(.automatic)
    let portable = packedProduct(.portable)
    if CPU.hasAVX2FMA {
      #expect(automatic != portable, "the C kernel did not run")
    } else {
      #expect(automatic == portable, "a C kernel ran in portable mode")
    }
  }

  /// In portable mode the automatic vector math is the Swift loop, bit for bit.
  @Test func automaticVectorMathIsPortableWhenSwitched() {
    guard !CPU.hasAVX2FMA else { return }
    let xs: [Float] = (0..<67).map { index in Float(index) / 7 - 4 }
    for operation in [UnaryKernel<Float>.exp, .log, .tanh, .sigmoid] {
      // Bit patterns, so that the NaNs of log's negative inputs compare too.
      let automatic = runVectorMath(operation, xs, .automatic).map(\.bitPattern)
      #expect(
        automatic == runVectorMath(operation, xs, .portable).map(\.bitPattern), "\(operation)")
    }
  }
}
