// The parts of the attention pair kernels other than the products' register tiles: which keys
// a query sees, the transposes of K and V, the softmax rows and the next pair's prefetch, in
// AVX2+FMA. Shared by attention_kernels.c and attention_kernels_avx512.c; private to the C
// target.
#ifndef SWIFTTENSOR_ATTENTION_INLINE_H
#define SWIFTTENSOR_ATTENTION_INLINE_H

#include "SwiftTensorCKernels.h"
#include "transpose_inline.h"
#include "vector_math_inline.h"

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
#endif
#endif
