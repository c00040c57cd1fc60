#include "attention_inline.h"

// Scaled dot-product attention of one (batch, head) pair in float, AVX2+FMA: the loops of
// SwiftTensor/Kernels/AttentionKernels.swift (same formulas, same saved weights, no dropout)
// with the products as register tiles of up to 6 rows x 16 columns called directly, the
// transposes of K and V as 8 x 8 register transposes, and each softmax row in vectors. The
// Swift version spent most of its time outside the products: a GEMM call per 16-row block and
// product, scalar transposes, and a call of the exp kernel per row.
#if defined(__x86_64__)

// C[r][0 ..< 8 NV] (=, or += with `accumulate`) alpha Σ_p A(r, p) B(p, ·) for R rows, with
// A(r, p) = a[r ars + p aps] and B(p, c) = b[p ldb + c]: R x NV accumulators, B loaded once per
// step of the depth and each A value broadcast.
#define ST_ATT_TILE(R, NV)                                                                   \
  ST_INLINE void st_att_tile_##R##_##NV(long k, const float *a, long ars, long aps,          \
                                        const float *b, long ldb, float *c, long ldc,        \
                                        float alpha, int accumulate) {                       \
    __m256 acc[R][NV];                                                                       \
    for (int r = 0; r < (R); ++r)                                                            \
      for (int v = 0; v < (NV); ++v) acc[r][v] = _mm256_setzero_ps();                        \
    for (long p = 0; p < k; ++p) {                                                           \
      __m256 bv[NV];                                                                         \
      for (int v = 0; v < (NV); ++v) bv[v] = _mm256_loadu_ps(b + p * ldb + 8 * v);          \
      for (int r = 0; r < (R); ++r) {                                                        \
        const __m256 av = _mm256_broadcast_ss(a + r * ars + p * aps);                        \
        for (int v = 0; v < (NV); ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);    \
      }                                                                                      \
    }                                                                                        \
    const __m256 scale = _mm256_set1_ps(alpha);                                              \
    for (int r = 0; r < (R); ++r)                                                            \
      for (int v = 0; v < (NV); ++v) {                                                       \
        float *out = c + r * ldc + 8 * v;                                                    \
        __m256 y = _mm256_mul_ps(scale, acc[r][v]);                                          \
        if (accumulate) y = _mm256_add_ps(y, _mm256_loadu_ps(out));                          \
        _mm256_storeu_ps(out, y);                                                            \
      }                                                                                      \
  }

ST_ATT_TILE(1, 1) ST_ATT_TILE(2, 1) ST_ATT_TILE(3, 1) ST_ATT_TILE(4, 1) ST_ATT_TILE(5, 1)
ST_ATT_TILE(6, 1) ST_ATT_TILE(1, 2) ST_ATT_TILE(2, 2) ST_ATT_TILE(3, 2) ST_ATT_TILE(4, 2)
ST_ATT_TILE(5, 2) ST_ATT_TILE(6, 2)

// `rows` (1 to 6) rows of C, `n` columns (a multiple of 8), in tiles of 16 columns and a last
// one of 8.
ST_INLINE void st_att_product(long rows, long n, long k, const float *a, long ars, long aps,
                              const float *b, long ldb, float *c, long ldc, float alpha,
                              int accumulate) {
  for (long j = 0; j < n; j += 16) {
    const int wide = n - j >= 16;
#define ST_ATT_CASE(R)                                                                       \
  case R:                                                                                    \
    if (wide)                                                                                \
      st_att_tile_##R##_2(k, a, ars, aps, b + j, ldb, c + j, ldc, alpha, accumulate);        \
    else                                                                                     \
      st_att_tile_##R##_1(k, a, ars, aps, b + j, ldb, c + j, ldc, alpha, accumulate);        \
    break;
    switch (rows) {
      ST_ATT_CASE(1) ST_ATT_CASE(2) ST_ATT_CASE(3) ST_ATT_CASE(4) ST_ATT_CASE(5) ST_ATT_CASE(6)
    default: break;
    }
#undef ST_ATT_CASE
  }
}

long swifttensor_attention_scratch_f32(const swifttensor_attention_shape *s) {
  const long padded = st_round_up(s->time_k, 16);
  const long depth = s->head_dim > s->value_dim ? s->head_dim : s->value_dim;
  const long rows = s->time_q > 6 ? s->time_q : 6;
  return padded * (depth + rows);
}

#define ST_ATT_PRODUCT st_att_product
#define ST_ATT_PASS_TARGET ST_TARGET
#define ST_ATT_NAME(name) name
#include "attention_passes.h"
#endif
