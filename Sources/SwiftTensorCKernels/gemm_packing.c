#include "SwiftTensorCKernels.h"
#include "transpose_inline.h"

// Packing a 6-row panel of A for the micro-kernels: k groups of 6 values (one per row). The
// Swift loop scatters one value at a time; here 8 (float) or 4 (double) columns of the six rows
// are loaded as vectors and transposed in registers. Same target-attribute scheme as
// gemm_kernels.c.
#if defined(__x86_64__)
#include <immintrin.h>

#define PACK_TARGET __attribute__((target("avx2,fma")))

PACK_TARGET void swifttensor_spack_a6(const float *a, long lda, long kc, float *dst) {
  const float *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda, *r4 = a + 4 * lda,
              *r5 = a + 5 * lda;
  long q = 0;
  for (; q + 8 <= kc; q += 8) {
    const __m256 a0 = _mm256_loadu_ps(r0 + q), a1 = _mm256_loadu_ps(r1 + q);
    const __m256 a2 = _mm256_loadu_ps(r2 + q), a3 = _mm256_loadu_ps(r3 + q);
    const __m256 a4 = _mm256_loadu_ps(r4 + q), a5 = _mm256_loadu_ps(r5 + q);
    // Pairs (row 0, row 1) and (row 2, row 3) of columns 0,1 | 4,5 (lo) and 2,3 | 6,7 (hi).
    const __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
    const __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
    // Rows 4, 5: each 64-bit lane is already one column's pair.
    const __m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
    // Rows 0-3 of column c (lo half) and c + 4 (hi half).
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u[4] = {u0, u1, u2, u3};
    const __m256 pairs[2] = {t4, t5};
    float *out = dst + q * 6;
    for (int c = 0; c < 4; ++c) {
      const __m128 low = _mm256_castps256_ps128(u[c]), high = _mm256_extractf128_ps(u[c], 1);
      const __m128 pairLow = _mm256_castps256_ps128(pairs[c / 2]);
      const __m128 pairHigh = _mm256_extractf128_ps(pairs[c / 2], 1);
      _mm_storeu_ps(out + c * 6, low);
      _mm_storeu_ps(out + (c + 4) * 6, high);
      if (c % 2 == 0) {
        _mm_storel_pi((__m64 *)(out + c * 6 + 4), pairLow);
        _mm_storel_pi((__m64 *)(out + (c + 4) * 6 + 4), pairHigh);
      } else {
        _mm_storeh_pi((__m64 *)(out + c * 6 + 4), pairLow);
        _mm_storeh_pi((__m64 *)(out + (c + 4) * 6 + 4), pairHigh);
      }
    }
  }
  for (; q < kc; ++q) {
    float *out = dst + q * 6;
    out[0] = r0[q], out[1] = r1[q], out[2] = r2[q], out[3] = r3[q], out[4] = r4[q];
    out[5] = r5[q];
  }
}

PACK_TARGET void swifttensor_dpack_a6(const double *a, long lda, long kc, double *dst) {
  const double *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda, *r4 = a + 4 * lda,
               *r5 = a + 5 * lda;
  long q = 0;
  for (; q + 4 <= kc; q += 4) {
    const __m256d a0 = _mm256_loadu_pd(r0 + q), a1 = _mm256_loadu_pd(r1 + q);
    const __m256d a2 = _mm256_loadu_pd(r2 + q), a3 = _mm256_loadu_pd(r3 + q);
    const __m256d a4 = _mm256_loadu_pd(r4 + q), a5 = _mm256_loadu_pd(r5 + q);
    // Each 128-bit half is one column's pair of rows: columns 0 | 2 (lo) and 1 | 3 (hi).
    const __m256d p[3][2] = {
        {_mm256_unpacklo_pd(a0, a1), _mm256_unpackhi_pd(a0, a1)},
        {_mm256_unpacklo_pd(a2, a3), _mm256_unpackhi_pd(a2, a3)},
        {_mm256_unpacklo_pd(a4, a5), _mm256_unpackhi_pd(a4, a5)},
    };
    double *out = dst + q * 6;
    for (int pair = 0; pair < 3; ++pair) {
      _mm_storeu_pd(out + 0 * 6 + 2 * pair, _mm256_castpd256_pd128(p[pair][0]));
      _mm_storeu_pd(out + 1 * 6 + 2 * pair, _mm256_castpd256_pd128(p[pair][1]));
      _mm_storeu_pd(out + 2 * 6 + 2 * pair, _mm256_extractf128_pd(p[pair][0], 1));
      _mm_storeu_pd(out + 3 * 6 + 2 * pair, _mm256_extractf128_pd(p[pair][1], 1));
    }
  }
  for (; q < kc; ++q) {
    double *out = dst + q * 6;
    out[0] = r0[q], out[1] = r1[q], out[2] = r2[q], out[3] = r3[q], out[4] = r4[q];
    out[5] = r5[q];
  }
}

// Packing walks the source eight rows at a time across all the panels: the rows' values for
// neighbouring panels share cache lines, and eight steps of one panel are one contiguous run of
// the destination. Row by row across the panels writes one small piece per panel and row, and
// panel by panel reads one small piece per cache line; both ran at half the speed or less.

// Full panels of B: `kc` rows of `panels` x 16 floats (8 doubles) at stride `ldb`, each panel
// written contiguously (two vectors per row); with `sums`, each column's values are also added
// to its sum, row after row (a weight gradient's B is the output gradient, whose column sums
// are the bias gradient: this saves a pass over it).
PACK_TARGET void swifttensor_spack_b16(const float *b, long ldb, long kc, long panels,
                                       float *dst, float *sums) {
  long q = 0;
  for (; q + 8 <= kc; q += 8)
    for (long p = 0; p < panels; ++p) {
      const float *src = b + q * ldb + 16 * p;
      float *out = dst + p * kc * 16 + q * 16;
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
      if (sums) s0 = _mm256_loadu_ps(sums + 16 * p), s1 = _mm256_loadu_ps(sums + 16 * p + 8);
      for (int r = 0; r < 8; ++r, src += ldb, out += 16) {
        _mm_prefetch((const char *)(src + 8 * ldb), _MM_HINT_T0);
        const __m256 x0 = _mm256_loadu_ps(src), x1 = _mm256_loadu_ps(src + 8);
        _mm256_storeu_ps(out, x0);
        _mm256_storeu_ps(out + 8, x1);
        s0 = _mm256_add_ps(s0, x0), s1 = _mm256_add_ps(s1, x1);
      }
      if (sums) _mm256_storeu_ps(sums + 16 * p, s0), _mm256_storeu_ps(sums + 16 * p + 8, s1);
    }
  for (; q < kc; ++q)
    for (long p = 0; p < panels; ++p) {
      const float *src = b + q * ldb + 16 * p;
      float *out = dst + p * kc * 16 + q * 16;
      const __m256 x0 = _mm256_loadu_ps(src), x1 = _mm256_loadu_ps(src + 8);
      _mm256_storeu_ps(out, x0);
      _mm256_storeu_ps(out + 8, x1);
      if (sums) {
        _mm256_storeu_ps(sums + 16 * p, _mm256_add_ps(_mm256_loadu_ps(sums + 16 * p), x0));
        _mm256_storeu_ps(sums + 16 * p + 8, _mm256_add_ps(_mm256_loadu_ps(sums + 16 * p + 8), x1));
      }
    }
}

PACK_TARGET void swifttensor_dpack_b8(const double *b, long ldb, long kc, long panels,
                                      double *dst, double *sums) {
  long q = 0;
  for (; q + 8 <= kc; q += 8)
    for (long p = 0; p < panels; ++p) {
      const double *src = b + q * ldb + 8 * p;
      double *out = dst + p * kc * 8 + q * 8;
      __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
      if (sums) s0 = _mm256_loadu_pd(sums + 8 * p), s1 = _mm256_loadu_pd(sums + 8 * p + 4);
      for (int r = 0; r < 8; ++r, src += ldb, out += 8) {
        const __m256d x0 = _mm256_loadu_pd(src), x1 = _mm256_loadu_pd(src + 4);
        _mm256_storeu_pd(out, x0);
        _mm256_storeu_pd(out + 4, x1);
        s0 = _mm256_add_pd(s0, x0), s1 = _mm256_add_pd(s1, x1);
      }
      if (sums) _mm256_storeu_pd(sums + 8 * p, s0), _mm256_storeu_pd(sums + 8 * p + 4, s1);
    }
  for (; q < kc; ++q)
    for (long p = 0; p < panels; ++p) {
      const double *src = b + q * ldb + 8 * p;
      double *out = dst + p * kc * 8 + q * 8;
      const __m256d x0 = _mm256_loadu_pd(src), x1 = _mm256_loadu_pd(src + 4);
      _mm256_storeu_pd(out, x0);
      _mm256_storeu_pd(out + 4, x1);
      if (sums) {
        _mm256_storeu_pd(sums + 8 * p, _mm256_add_pd(_mm256_loadu_pd(sums + 8 * p), x0));
        _mm256_storeu_pd(sums + 8 * p + 4, _mm256_add_pd(_mm256_loadu_pd(sums + 8 * p + 4), x1));
      }
    }
}

// A transposed A (a weight gradient's xᵀ): op(A)[r, q] = a[q lda + r], so each step of a
// panel is six contiguous values of one row of `a`; two rows' twelve values are stored as one
// 8-wide and one 4-wide vector.
PACK_TARGET void swifttensor_spack_a6_transposed(const float *a, long lda, long kc, long panels,
                                                 float *dst) {
  long q = 0;
  for (; q + 8 <= kc; q += 8)
    for (long p = 0; p < panels; ++p) {
      const float *src = a + q * lda + 6 * p;
      float *out = dst + p * kc * 6 + 6 * q;
      for (int r = 0; r < 8; r += 2, src += 2 * lda, out += 12) {
        const __m128 x = _mm_loadu_ps(src), z = _mm_loadu_ps(src + lda);
        const __m128 y = _mm_castpd_ps(_mm_load_sd((const double *)(src + 4)));
        const __m128 w = _mm_castpd_ps(_mm_load_sd((const double *)(src + lda + 4)));
        // x0..x3 y0 y1 z0 z1, then z2 z3 w0 w1.
        __m256 first = _mm256_castps128_ps256(x);
        first = _mm256_insertf128_ps(first, _mm_movelh_ps(y, z), 1);
        _mm256_storeu_ps(out, first);
        _mm_storeu_ps(out + 8, _mm_shuffle_ps(z, w, 0x4E));
      }
    }
  for (; q < kc; ++q)
    for (long p = 0; p < panels; ++p) {
      const float *src = a + q * lda + 6 * p;
      float *out = dst + p * kc * 6 + 6 * q;
      _mm_storeu_ps(out, _mm_loadu_ps(src));
      _mm_storel_pi((__m64 *)(out + 4), _mm_castpd_ps(_mm_load_sd((const double *)(src + 4))));
    }
}

PACK_TARGET void swifttensor_dpack_a6_transposed(const double *a, long lda, long kc,
                                                 long panels, double *dst) {
  long q = 0;
  for (; q + 8 <= kc; q += 8)
    for (long p = 0; p < panels; ++p) {
      const double *src = a + q * lda + 6 * p;
      double *out = dst + p * kc * 6 + 6 * q;
      for (int r = 0; r < 8; ++r, src += lda, out += 6) {
        _mm256_storeu_pd(out, _mm256_loadu_pd(src));
        _mm_storeu_pd(out + 4, _mm_loadu_pd(src + 4));
      }
    }
  for (; q < kc; ++q)
    for (long p = 0; p < panels; ++p) {
      const double *src = a + q * lda + 6 * p;
      double *out = dst + p * kc * 6 + 6 * q;
      _mm256_storeu_pd(out, _mm256_loadu_pd(src));
      _mm_storeu_pd(out + 4, _mm_loadu_pd(src + 4));
    }
}

// A transposed B (an input gradient's Wᵀ): op(B)[q, c] = b[c ldb + q], so a panel's 16 columns
// are 16 rows of `b`; 8 x 8 blocks are transposed in registers instead of 16 strided scalar
// stores per step.

PACK_TARGET void swifttensor_spack_b16_transposed(const float *b, long ldb, long kc,
                                                  float *dst) {
  long q = 0;
  for (; q + 8 <= kc; q += 8) {
    for (int half = 0; half < 2; ++half) {
      const float *rows = b + half * 8 * ldb + q;
      __m256 r[8];
      for (int c = 0; c < 8; ++c) r[c] = _mm256_loadu_ps(rows + c * ldb);
      st_transpose8(r);
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(dst + (q + k) * 16 + half * 8, r[k]);
    }
  }
  for (; q < kc; ++q)
    for (int c = 0; c < 16; ++c) dst[q * 16 + c] = b[c * ldb + q];
}
#endif

// Prefetching is plain C on every architecture: `__builtin_prefetch` is a hint, a no-op where
// the CPU has no prefetch instruction.
void swifttensor_prefetch_block(const void *base, long stride, long lines_per_row, long first,
                                long count) {
  long row = first / lines_per_row, line = first % lines_per_row;
  const char *start = (const char *)base + row * stride;
  for (long i = 0; i < count; ++i) {
    __builtin_prefetch(start + line * 64, 0, 2);
    if (++line == lines_per_row) line = 0, start += stride;
  }
}
