/// Vectorised elementary functions for the kernels' SIMD types (`SIMD8<Float>` and
/// `SIMD4<Double>`), as branch-free polynomial kernels.
///
/// The implementations live in `VectorMath+Float.swift` and `VectorMath+Double.swift`. They are
/// written for the package's default x86_64 build, which targets baseline SSE2: there,
/// `rounded(_:)` and `addingProduct(_:_:)` on SIMD vectors become per-lane libm calls
/// (`roundf`, `fmaf`), and `pointwiseMin`/`pointwiseMax` are not vectorised. So the kernels
/// round with the magic-number trick, multiply-add with `a * b + c` (a fused
/// `addingProduct` only on arm64, where it is one instruction), and clamp with
/// `replacing(with:where:)`, whose comparisons are false for NaN so that NaN flows through to
/// the result.
enum VectorMath {}
