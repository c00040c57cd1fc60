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

// Full panels of B: `kc` rows of `panels` x 16 floats (8 doubles) at stride `ldb`, each panel
// written contiguously (two vectors per row), row after row across the panels so that one
// strided row's cache lines and page serve several panels (a row per page of B costs a TLB
// miss), with the rows a few steps ahead prefetched (the hardware prefetcher follows a large
// stride poorly).
PACK_TARGET void swifttensor_spack_b16(const float *b, long ldb, long kc, long panels,
                                       float *dst) {
  for (long q = 0; q < kc; ++q) {
    const float *row = b + q * ldb;
    for (long p = 0; p < panels; ++p) {
      _mm_prefetch((const char *)(row + 8 * ldb + 16 * p), _MM_HINT_T0);
      float *out = dst + p * kc * 16 + q * 16;
      _mm256_storeu_ps(out, _mm256_loadu_ps(row + 16 * p));
      _mm256_storeu_ps(out + 8, _mm256_loadu_ps(row + 16 * p + 8));
    }
  }
}

PACK_TARGET void swifttensor_dpack_b8(const double *b, long ldb, long kc, long panels,
                                      double *dst) {
  for (long q = 0; q < kc; ++q) {
    const double *row = b + q * ldb;
    for (long p = 0; p < panels; ++p) {
      _mm_prefetch((const char *)(row + 8 * ldb + 8 * p), _MM_HINT_T0);
      double *out = dst + p * kc * 8 + q * 8;
      _mm256_storeu_pd(out, _mm256_loadu_pd(row + 8 * p));
      _mm256_storeu_pd(out + 4, _mm256_loadu_pd(row + 8 * p + 4));
    }
  }
}

// A transposed A (a weight gradient's xᵀ): op(A)[r, q] = a[q lda + r], so each step of the
// panel is six contiguous values of one row of `a`: two vector moves instead of six scalars.
PACK_TARGET void swifttensor_spack_a6_transposed(const float *a, long lda, long kc, float *dst) {
  for (long q = 0; q < kc; ++q) {
    const float *row = a + q * lda;
    _mm_storeu_ps(dst + 6 * q, _mm_loadu_ps(row));
    _mm_storel_pi((__m64 *)(dst + 6 * q + 4), _mm_castpd_ps(_mm_load_sd((const double *)(row + 4))));
  }
}

PACK_TARGET void swifttensor_dpack_a6_transposed(const double *a, long lda, long kc,
                                                 double *dst) {
  for (long q = 0; q < kc; ++q) {
    const double *row = a + q * lda;
    _mm256_storeu_pd(dst + 6 * q, _mm256_loadu_pd(row));
    _mm_storeu_pd(dst + 6 * q + 4, _mm_loadu_pd(row + 4));
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
