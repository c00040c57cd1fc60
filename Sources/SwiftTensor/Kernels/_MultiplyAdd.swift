/// `a * b + c` on vectors, spelled per architecture so that it compiles to fused multiply-adds
/// where those are guaranteed and to plain vector arithmetic elsewhere.
///
/// arm64 always has vector FMA, so `addingProduct` is one instruction there. Baseline x86_64
/// (no `-target-cpu`) has no FMA, and `addingProduct` lowers to a call to `fmaf` per lane
/// (two orders of magnitude slower), so it uses a separate multiply and add; the fast x86_64 paths are the C
/// kernels anyway. O(1).
@inline(__always)
func multiplyAdd<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar: FloatingPoint {
  #if arch(arm64)
    return c.addingProduct(a, b)
  #else
    return a * b + c
  #endif
}
