#include "SwiftTensorCKernels.h"
#include "transpose_inline.h"
#include "vector_math_inline.h"

// Scaled dot-product attention of one (batch, head) pair in float, AVX2+FMA: the loops of
// SwiftTensor/Kernels/AttentionKernels.swift (same formulas, same saved weights, no dropout)
// with the products as register tiles of up to 6 rows x 16 columns called directly, the
// transposes of K and V as 8 x 8 register transposes, and each softmax row in vectors. The
// Swift version spent most of its time outside the products: a GEMM call per 16-row block and
// product, scalar transposes, and a call of the exp kernel per row.
#if defined(__x86_64__)

// The rows of a causal pair's query `i` may see: keys j < visible(i).
static inline long st_visible(const swifttensor_attention_shape *s, long i) {
  if (!s->causal) return s->time_k;
  long v = i + s->time_k - s->time_q + 1;
  return v < 0 ? 0 : (v > s->time_k ? s->time_k : v);
}

static inline long st_round_up(long x, long m) { return (x + m - 1) / m * m; }

ST_INLINE float st_att_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

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


// `rows x columns` at `x` (row stride `stride`, columns a multiple of 8) transposed into
// `columns x padded` at `t`. The columns from `rows` to `padded` are left as they are: the
// products compute scores and dP there, but softmax masks them out and dS is zeroed there.
ST_INLINE void st_att_transpose(const float *x, long rows, long columns, long stride, float *t,
                                long padded) {
  long i = 0;
  for (; i + 8 <= rows; i += 8)
    for (long c = 0; c < columns; c += 8) {
      __m256 r[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(x + (i + q) * stride + c);
      st_transpose8(r);
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(t + (c + q) * padded + i, r[q]);
    }
  for (long c = 0; c < columns; ++c) {
    float *row = t + c * padded;
    for (long j = i; j < rows; ++j) row[j] = x[j * stride + c];
  }
}

// Lanes j + 0 ..< 8 below `limit`.
ST_INLINE __m256 st_att_below(long j, long limit) {
  const __m256i lanes = _mm256_add_epi32(_mm256_set1_epi32((int)j),
                                         _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)limit), lanes));
}

// softmax over the first `visible` scores of `s` (readable to a multiple of 8 past them),
// skipping keys whose mask is 0, into the row `p` of `count` weights (0 past `visible`, and
// everywhere when no key is left).
ST_INLINE void st_att_softmax(float *s, long visible, const float *mask, float *p, long count) {
  const __m256 minus_infinity = _mm256_set1_ps(-__builtin_inff());
  if (mask)
    for (long j = 0; j < visible; ++j)
      if (mask[j] == 0) s[j] = -__builtin_inff();
  __m256 m = minus_infinity;
  for (long j = 0; j < visible; j += 8)
    m = _mm256_max_ps(m, _mm256_blendv_ps(minus_infinity, _mm256_loadu_ps(s + j),
                                          st_att_below(j, visible)));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  const float maximum = _mm_cvtss_f32(h);
  if (!(maximum > -__builtin_inff())) {
    for (long j = 0; j < count; ++j) p[j] = 0;
    return;
  }
  const __m256 shift = _mm256_set1_ps(maximum);
  __m256 sum = _mm256_setzero_ps();
  for (long j = 0; j < visible; j += 8) {
    const __m256 x = _mm256_loadu_ps(s + j);
    // A masked key's -inf gives exactly 0, as do the lanes past `visible`.
    const __m256 keep = _mm256_and_ps(st_att_below(j, visible),
                                      _mm256_cmp_ps(x, minus_infinity, _CMP_NEQ_OQ));
    const __m256 e = _mm256_and_ps(keep, st_exp_ps(_mm256_sub_ps(x, shift)));
    _mm256_storeu_ps(s + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  const __m256 inverse = _mm256_set1_ps(1 / st_att_sum(sum));
  long j = 0;
  for (; j + 8 <= visible; j += 8)
    _mm256_storeu_ps(p + j, _mm256_mul_ps(inverse, _mm256_loadu_ps(s + j)));
  const float scale = _mm256_cvtss_f32(inverse);
  for (; j < visible; ++j) p[j] = s[j] * scale;
  for (; j < count; ++j) p[j] = 0;
}

// Every cache line of rows `first ..< last` of `count` floats at `stride` into L2.
ST_INLINE void st_att_prefetch_rows(const float *x, long first, long last, long count,
                                    long stride) {
  if (!x) return;
  for (long i = first; i < last; ++i) {
    for (long c = 0; c < count; c += 16)
      _mm_prefetch((const char *)(x + i * stride + c), _MM_HINT_T1);
    if (count % 16) _mm_prefetch((const char *)(x + i * stride + count - 1), _MM_HINT_T1);
  }
}

// Part `part` of `parts` of the next pair's inputs into L2: the kernels issue one part per
// panel of rows, so that the lines arrive while the panels compute instead of the issue
// stalling on a full miss queue at the start of the pair.
ST_INLINE void st_att_prefetch_part(const swifttensor_attention_shape *s,
                                    const swifttensor_attention_inputs *next, long part,
                                    long parts) {
  if (!next) return;
  const long q0 = s->time_q * part / parts, q1 = s->time_q * (part + 1) / parts;
  const long k0 = s->time_k * part / parts, k1 = s->time_k * (part + 1) / parts;
  st_att_prefetch_rows(next->q, q0, q1, s->head_dim, s->query_stride);
  st_att_prefetch_rows(next->k, k0, k1, s->head_dim, s->query_stride);
  st_att_prefetch_rows(next->v, k0, k1, s->value_dim, s->value_stride);
  st_att_prefetch_rows(next->d_o, q0, q1, s->value_dim, s->output_stride);
  st_att_prefetch_rows(next->p, q0, q1, s->time_k, s->time_k);
}

long swifttensor_attention_scratch_f32(const swifttensor_attention_shape *s) {
  const long padded = st_round_up(s->time_k, 16);
  const long depth = s->head_dim > s->value_dim ? s->head_dim : s->value_dim;
  const long rows = s->time_q > 6 ? s->time_q : 6;
  return padded * (depth + rows);
}

ST_TARGET void swifttensor_attention_forward_f32(const swifttensor_attention_shape *s,
                                                 const float *q, const float *k, const float *v,
                                                 const float *mask, float *o, float *p,
                                                 float *scratch,
                                                 const swifttensor_attention_inputs *next) {
  const long tq = s->time_q, tk = s->time_k, qs = s->query_stride, vs = s->value_stride;
  const long os = s->output_stride;
  const long padded = st_round_up(tk, 16);
  float *kt = scratch, *scores = scratch + s->head_dim * padded;
  st_att_transpose(k, tk, s->head_dim, qs, kt, padded);
  const long panels = (tq + 5) / 6;
  for (long i0 = 0; i0 < tq; i0 += 6) {
    st_att_prefetch_part(s, next, i0 / 6, panels);
    const long rows = tq - i0 < 6 ? tq - i0 : 6;
    const long keys = st_visible(s, i0 + rows - 1);
    if (keys == 0) {
      for (long r = 0; r < rows; ++r) {
        for (long j = 0; j < tk; ++j) p[(i0 + r) * tk + j] = 0;
        for (long c = 0; c < s->value_dim; ++c) o[(i0 + r) * os + c] = 0;
      }
      continue;
    }
    st_att_product(rows, st_round_up(keys, 16), s->head_dim, q + i0 * qs, qs, 1, kt, padded,
                   scores, padded, s->scale, 0);
    for (long r = 0; r < rows; ++r)
      st_att_softmax(scores + r * padded, st_visible(s, i0 + r), mask, p + (i0 + r) * tk, tk);
    st_att_product(rows, s->value_dim, keys, p + i0 * tk, tk, 1, v, vs, o + i0 * os, os, 1, 0);
  }
}

ST_TARGET void swifttensor_attention_backward_f32(
    const swifttensor_attention_shape *s, const float *q, const float *k, const float *v,
    const float *p, const float *d_o, float *dq, float *dk, float *dv, float *scratch,
    const swifttensor_attention_inputs *next) {
  const long tq = s->time_q, tk = s->time_k, qs = s->query_stride, vs = s->value_stride;
  const long os = s->output_stride;
  const long padded = st_round_up(tk, 16);
  float *vt = scratch, *ds = scratch + s->value_dim * padded;
  st_att_transpose(v, tk, s->value_dim, vs, vt, padded);
  const long panels = (tq + 5) / 6 + (tk + 5) / 6;
  // dS = P∘(dP - rowsum(dP∘P)), dP = dO·Vᵀ, row panel by row panel; zero past the panel's
  // keys (P is zero there), so that the key-side products below may read whole columns of dS.
  for (long i0 = 0; i0 < tq; i0 += 6) {
    st_att_prefetch_part(s, next, i0 / 6, panels);
    const long rows = tq - i0 < 6 ? tq - i0 : 6;
    const long keys = st_visible(s, i0 + rows - 1);
    float *panel = ds + i0 * padded;
    if (keys > 0)
      st_att_product(rows, st_round_up(keys, 16), s->value_dim, d_o + i0 * os, os, 1, vt,
                     padded, panel, padded, 1, 0);
    for (long r = 0; r < rows; ++r) {
      float *g = panel + r * padded;
      const float *w = p + (i0 + r) * tk;
      __m256 sum = _mm256_setzero_ps();
      long j = 0;
      for (; j + 8 <= keys; j += 8)
        sum = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), _mm256_loadu_ps(w + j), sum);
      float d = st_att_sum(sum);
      for (; j < keys; ++j) d += g[j] * w[j];
      const __m256 shift = _mm256_set1_ps(d);
      for (j = 0; j + 8 <= keys; j += 8)
        _mm256_storeu_ps(g + j, _mm256_mul_ps(_mm256_loadu_ps(w + j),
                                              _mm256_sub_ps(_mm256_loadu_ps(g + j), shift)));
      for (; j < keys; ++j) g[j] = w[j] * (g[j] - d);
      for (; j < padded; ++j) g[j] = 0;
    }
    if (dq && keys > 0)
      st_att_product(rows, s->head_dim, keys, panel, padded, 1, k, qs, dq + i0 * qs, qs,
                     s->scale, 0);
    else if (dq)
      for (long r = 0; r < rows; ++r)
        for (long c = 0; c < s->head_dim; ++c) dq[(i0 + r) * qs + c] = 0;
  }
  // dV = Pᵀ·dO and dK = scale·dSᵀ·Q, six keys at a time over the queries that see them,
  // written (not added): the last query sees every key, so every row of dK and dV is written.
  for (long j0 = 0; j0 < tk; j0 += 6) {
    st_att_prefetch_part(s, next, (tq + 5) / 6 + j0 / 6, panels);
    const long keys = tk - j0 < 6 ? tk - j0 : 6;
    long first = s->causal ? j0 - (tk - tq) : 0;
    if (first < 0) first = 0;
    const long depth = tq - first;
    if (dv)
      st_att_product(keys, s->value_dim, depth, p + first * tk + j0, 1, tk, d_o + first * os, os,
                     dv + j0 * vs, vs, 1, 0);
    if (dk)
      st_att_product(keys, s->head_dim, depth, ds + first * padded + j0, 1, padded,
                     q + first * qs, qs, dk + j0 * qs, qs, s->scale, 0);
  }
}
#endif
