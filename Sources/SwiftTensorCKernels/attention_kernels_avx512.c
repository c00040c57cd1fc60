#include "attention_inline.h"

// The attention pair kernels of attention_kernels.c with the products' register tiles in
// 16-lane AVX-512 vectors: up to 6 rows x 32 columns, so that a head of 32 takes one tile
// instead of two and each A value broadcast feeds twice the columns. Every element still sums
// its products one FMA at a time in the same order, and everything outside the products is the
// AVX2 code of attention_inline.h, so both widths give the same bits.
#if defined(__x86_64__)

#define ST_INLINE512 static inline __attribute__((always_inline, target("avx512f")))

// C[r][0 ..< 16 NV] = alpha Σ_p A(r, p) B(p, ·) (+= with `accumulate`) for R rows, with
// A(r, p) = a[r ars + p aps] and B(p, c) = b[p ldb + c]. With `MASKED`, the last vector holds 8
// columns: its loads and stores leave the other 8 lanes alone.
#define ST_ATT_TILE512(R, NV, MASKED)                                                         \
  ST_INLINE512 void st_att_tile512_##R##_##NV##_##MASKED(                                     \
      long k, const float *a, long ars, long aps, const float *b, long ldb, float *c, long ldc, \
      float alpha, int accumulate) {                                                          \
    const __mmask16 last = (MASKED) ? 0x00FF : 0xFFFF;                                        \
    __m512 acc[R][NV];                                                                        \
    for (int r = 0; r < (R); ++r)                                                             \
      for (int v = 0; v < (NV); ++v) acc[r][v] = _mm512_setzero_ps();                         \
    for (long p = 0; p < k; ++p) {                                                            \
      __m512 bv[NV];                                                                          \
      for (int v = 0; v < (NV); ++v)                                                          \
        bv[v] = (MASKED) && v == (NV) - 1                                                     \
                    ? _mm512_maskz_loadu_ps(last, b + p * ldb + 16 * v)                       \
                    : _mm512_loadu_ps(b + p * ldb + 16 * v);                                  \
      for (int r = 0; r < (R); ++r) {                                                         \
        const __m512 av = _mm512_set1_ps(a[r * ars + p * aps]);                               \
        for (int v = 0; v < (NV); ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);     \
      }                                                                                       \
    }                                                                                         \
    const __m512 scale = _mm512_set1_ps(alpha);                                               \
    for (int r = 0; r < (R); ++r)                                                             \
      for (int v = 0; v < (NV); ++v) {                                                        \
        float *out = c + r * ldc + 16 * v;                                                    \
        const __mmask16 lanes = v == (NV) - 1 ? last : 0xFFFF;                                \
        __m512 y = _mm512_mul_ps(scale, acc[r][v]);                                           \
        if (accumulate) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(lanes, out));              \
        _mm512_mask_storeu_ps(out, lanes, y);                                                 \
      }                                                                                       \
  }

#define ST_ATT_TILES512(R)                                                                    \
  ST_ATT_TILE512(R, 1, 0) ST_ATT_TILE512(R, 1, 1) ST_ATT_TILE512(R, 2, 0) ST_ATT_TILE512(R, 2, 1)
ST_ATT_TILES512(1) ST_ATT_TILES512(2) ST_ATT_TILES512(3) ST_ATT_TILES512(4) ST_ATT_TILES512(5)
ST_ATT_TILES512(6)

// `rows` (1 to 6) rows of C, `n` columns (a multiple of 8), in tiles of 32 columns and a last
// one of 8, 16 or 24. Inlined at each product, where the strides of A are constants: a single
// called copy ran the backward pass slower than the AVX2 tiles.
ST_INLINE512 void st_att_product_512(
    long rows, long n, long k, const float *a, long ars, long aps, const float *b, long ldb,
    float *c, long ldc, float alpha, int accumulate) {
  for (long j = 0; j < n; j += 32) {
    const long w = n - j;
#define ST_ATT_CALL(R, NV, MASKED) \
  st_att_tile512_##R##_##NV##_##MASKED(k, a, ars, aps, b + j, ldb, c + j, ldc, alpha, accumulate)
#define ST_ATT_CASE(R)                                      \
  case R:                                                   \
    if (w >= 32)                                            \
      ST_ATT_CALL(R, 2, 0);                                 \
    else if (w == 24)                                       \
      ST_ATT_CALL(R, 2, 1);                                 \
    else if (w == 16)                                       \
      ST_ATT_CALL(R, 1, 0);                                 \
    else                                                    \
      ST_ATT_CALL(R, 1, 1);                                 \
    break;
    switch (rows) {
      ST_ATT_CASE(1) ST_ATT_CASE(2) ST_ATT_CASE(3) ST_ATT_CASE(4) ST_ATT_CASE(5) ST_ATT_CASE(6)
    default: break;
    }
#undef ST_ATT_CASE
#undef ST_ATT_CALL
  }
}

#define ST_ATT_PRODUCT st_att_product_512
#define ST_ATT_PASS_TARGET __attribute__((target("avx512f")))
#define ST_ATT_NAME(name) name##_avx512
#include "attention_passes.h"
#endif
