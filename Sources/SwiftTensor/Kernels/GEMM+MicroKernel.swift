#if arch(x86_64)
  import SwiftTensorCKernels
#endif

extension GEMM {
  /// Portable micro-kernel: `C = alpha * A * B + beta * C` for one `mr x nr` tile
  /// (6 rows x 2 vectors), reading packed panels.
  ///
  /// `a` holds 6 consecutive values of op(A) per step of `k`, `b` holds `nr` consecutive values
  /// of op(B) per step; `c` has row stride `ldc` and room for the whole tile. When `beta` is 0,
  /// `C` is not read. O(k) time: 12 vector multiply-adds per step of `k`.
  @inline(__always)
  static func microKernel<S: TensorScalar>(
    k: Int, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>,
    ldc: Int, alpha: S, beta: S
  ) {
    let stride = MemoryLayout<S.Vector>.stride
    // Twelve named accumulators keep the tile in registers; an array of accumulators is not
    // promoted to registers.
    var c00 = S.Vector(), c01 = S.Vector()
    var c10 = S.Vector(), c11 = S.Vector()
    var c20 = S.Vector(), c21 = S.Vector()
    var c30 = S.Vector(), c31 = S.Vector()
    var c40 = S.Vector(), c41 = S.Vector()
    var c50 = S.Vector(), c51 = S.Vector()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<k {
      let b0 = pb.loadUnaligned(as: S.Vector.self)
      let b1 = pb.loadUnaligned(fromByteOffset: stride, as: S.Vector.self)
      var av = S.Vector(repeating: pa[0])
      c00 = multiplyAdd(av, b0, c00)
      c01 = multiplyAdd(av, b1, c01)
      av = S.Vector(repeating: pa[1])
      c10 = multiplyAdd(av, b0, c10)
      c11 = multiplyAdd(av, b1, c11)
      av = S.Vector(repeating: pa[2])
      c20 = multiplyAdd(av, b0, c20)
      c21 = multiplyAdd(av, b1, c21)
      av = S.Vector(repeating: pa[3])
      c30 = multiplyAdd(av, b0, c30)
      c31 = multiplyAdd(av, b1, c31)
      av = S.Vector(repeating: pa[4])
      c40 = multiplyAdd(av, b0, c40)
      c41 = multiplyAdd(av, b1, c41)
      av = S.Vector(repeating: pa[5])
      c50 = multiplyAdd(av, b0, c50)
      c51 = multiplyAdd(av, b1, c51)
      pa += 6
      pb += 2 * stride
    }
    let va = S.Vector(repeating: alpha)
    let vb = S.Vector(repeating: beta)
    @inline(__always)
    func store(_ row: Int, _ x0: S.Vector, _ x1: S.Vector) {
      let p = UnsafeMutableRawPointer(c + row * ldc)
      var y0 = va * x0
      var y1 = va * x1
      if beta != 0 {
        y0 = multiplyAdd(vb, p.loadUnaligned(as: S.Vector.self), y0)
        y1 = multiplyAdd(vb, p.loadUnaligned(fromByteOffset: stride, as: S.Vector.self), y1)
      }
      p.storeBytes(of: y0, as: S.Vector.self)
      p.storeBytes(of: y1, toByteOffset: stride, as: S.Vector.self)
    }
    store(0, c00, c01)
    store(1, c10, c11)
    store(2, c20, c21)
    store(3, c30, c31)
    store(4, c40, c41)
    store(5, c50, c51)
  }

  /// Runs the C micro-kernel when `useC` (x86_64 only), else the portable Swift one. O(k).
  @inline(__always)
  static func runMicroKernel<S: TensorScalar>(
    useC: Bool, k: Int, _ a: UnsafePointer<S>, _ b: UnsafePointer<S>,
    _ c: UnsafeMutablePointer<S>, ldc: Int, alpha: S, beta: S
  ) {
    #if arch(x86_64)
      // `S.self == Float.self` is a constant in each specialisation, so only one branch remains.
      if useC && S.self == Float.self {
        swifttensor_sgemm_kernel_6x16(
          k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
          UnsafeRawPointer(b).assumingMemoryBound(to: Float.self),
          UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc,
          Float(alpha), Float(beta))
        return
      }
      if useC && S.self == Double.self {
        swifttensor_dgemm_kernel_6x8(
          k, UnsafeRawPointer(a).assumingMemoryBound(to: Double.self),
          UnsafeRawPointer(b).assumingMemoryBound(to: Double.self),
          UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc,
          Double(alpha), Double(beta))
        return
      }
    #endif
    microKernel(k: k, a, b, c, ldc: ldc, alpha: alpha, beta: beta)
  }
}
