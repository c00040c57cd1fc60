#include "SwiftTensorCKernels.h"

// Unpacked GEMM for products too small to repay packing (batch-1 layers, matrix-vector, the
// backward products of small layers). Same target-attribute scheme as gemm_kernels.c.
//
// Register tiles: with B in rows, a tile of R rows x V vectors of C accumulates over all of k
// (C is read and written once, at the end), and every tail is a masked load or store, so no
// column is ever computed one scalar at a time. With B transposed, four dot products of a row
// of A with four rows of B run side by side over k.
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

// Lanes below w set, for w in 0...8 (32-bit lanes) or 0...4 (64-bit lanes).
static const int32_t st_mask_words[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static const int64_t st_mask_dwords[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

#define ST_TARGET __attribute__((target("avx2,fma")))

ST_TARGET static inline __m256i st_mask_s(long w) {
  return _mm256_loadu_si256((const __m256i *)(st_mask_words + 8 - w));
}
ST_TARGET static inline __m256i st_mask_d(long w) {
  return _mm256_loadu_si256((const __m256i *)(st_mask_dwords + 4 - w));
}
ST_TARGET static inline float st_hsum_s(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}
ST_TARGET static inline double st_hsum_d(__m256d v) {
  __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  x = _mm_add_sd(x, _mm_unpackhi_pd(x, x));
  return _mm_cvtsd_f64(x);
}

// One tile of R rows x NV vectors of C with B in rows: a(r, p) = a[r * asi + p * asp].
// T scalar, VT vector, L lanes, MASK/LOAD/STORE/FMA/SET1/MUL/ZERO the intrinsics.
// A full block of columns loads B with plain loads (a masked load costs more on Zen); the
// last, partial block masks them. Either way each C element sums its k products in order, so
// the rows' grouping (6, 4 or 1 at a time) never changes a result.
#define ST_ROWS_STEPS(T, VT, L, R, NV, FMA, SET1, LOADB)                                     \
  for (long p = 0; p < k; ++p, bp += ldb) {                                                  \
    VT bv[NV];                                                                               \
    for (int v = 0; v < (NV); ++v) bv[v] = LOADB;                                            \
    for (int r = 0; r < (R); ++r) {                                                          \
      const VT av = SET1(a[r * asi + p * asp]);                                              \
      for (int v = 0; v < (NV); ++v) acc[r][v] = FMA(av, bv[v], acc[r][v]);                  \
    }                                                                                        \
  }

#define ST_ROWS_KERNEL(NAME, T, VT, L, MASK, LOAD, STORE, STOREU, FMA, SET1, MUL, ZERO, R, NV,  \
                       LOADU)                                                                  \
  ST_TARGET static void NAME(long n, long k, T alpha, const T *a, long asi, long asp,          \
                             const T *b, long ldb, T beta, T *c, long ldc) {                   \
    const VT va = SET1(alpha), vb = SET1(beta);                                                \
    for (long j = 0; j < n; j += (NV) * (L)) {                                                 \
      __m256i mask[NV];                                                                        \
      for (int v = 0; v < (NV); ++v) {                                                         \
        long w = n - j - v * (L);                                                              \
        mask[v] = MASK(w <= 0 ? 0 : (w >= (L) ? (L) : w));                                     \
      }                                                                                        \
      VT acc[R][NV];                                                                           \
      for (int r = 0; r < (R); ++r)                                                            \
        for (int v = 0; v < (NV); ++v) acc[r][v] = ZERO();                                     \
      const T *bp = b + j;                                                                     \
      if (n - j >= (NV) * (L)) {                                                               \
        ST_ROWS_STEPS(T, VT, L, R, NV, FMA, SET1, LOADU(bp + v * (L)))                         \
      } else {                                                                                 \
        ST_ROWS_STEPS(T, VT, L, R, NV, FMA, SET1, LOAD(bp + v * (L), mask[v]))                 \
      }                                                                                        \
      for (int r = 0; r < (R); ++r) {                                                          \
        T *row = c + r * ldc + j;                                                              \
        for (int v = 0; v < (NV); ++v) {                                                       \
          VT y = MUL(va, acc[r][v]);                                                           \
          if (beta != 0) y = FMA(vb, LOAD(row + v * (L), mask[v]), y);                         \
          if (n - j - v * (L) >= (L)) /* a masked store costs Zen 3 far more than a plain one */ \
            STOREU(row + v * (L), y);                                                          \
          else                                                                                 \
            STORE(row + v * (L), mask[v], y);                                                  \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  }

// Four dot products at a time: C[0, j] for a contiguous row a of length k and rows of B.
#define ST_DOTS_KERNEL(NAME, T, VT, L, MASK, LOAD, STORE1, FMA, ZERO, HSUM)                    \
  ST_TARGET static void NAME(long n, long k, T alpha, const T *a, const T *b, long ldb,        \
                             T beta, T *c) {                                                   \
    const __m256i tail = MASK(k % (L));                                                        \
    const long full = k - k % (L);                                                             \
    long j = 0;                                                                                \
    for (; j < n; j += 4) {                                                                    \
      const int count = n - j < 4 ? (int)(n - j) : 4;                                          \
      const T *rows[4];                                                                        \
      for (int q = 0; q < 4; ++q) rows[q] = b + (j + (q < count ? q : 0)) * ldb;               \
      VT acc[4] = {ZERO(), ZERO(), ZERO(), ZERO()};                                            \
      const __m256i all = MASK(L);                                                             \
      long p = 0;                                                                              \
      for (; p < full; p += (L)) {                                                             \
        const VT x = LOAD(a + p, all);                                                         \
        for (int q = 0; q < 4; ++q) acc[q] = FMA(x, LOAD(rows[q] + p, all), acc[q]);           \
      }                                                                                        \
      if (p < k) {                                                                             \
        const VT x = LOAD(a + p, tail);                                                        \
        for (int q = 0; q < 4; ++q) acc[q] = FMA(x, LOAD(rows[q] + p, tail), acc[q]);          \
      }                                                                                        \
      for (int q = 0; q < count; ++q) {                                                        \
        T y = alpha * HSUM(acc[q]);                                                            \
        c[j + q] = beta == 0 ? y : y + beta * c[j + q];                                        \
      }                                                                                        \
    }                                                                                          \
  }

// One row of C = alpha * a * B + beta * C for a wide B, streaming four rows of B at a time
// through the row of C (which stays in L1). A register tile would walk down columns of B
// instead, one row per page for a 1024-wide B, where the hardware prefetcher cannot follow.
#define ST_STREAM_KERNEL(NAME, T, VT, L, MASK, LOAD, STORE, LOADU, STOREU, FMA, SET1, MUL, ZERO) \
  ST_TARGET static void NAME(long n, long k, T alpha, const T *a, long asp, const T *b,       \
                             long ldb, T beta, T *c) {                                         \
    const __m256i tail = MASK(n % (L));                                                        \
    const long full = n - n % (L);                                                             \
    const VT vb = SET1(beta);                                                                  \
    for (long j = 0; j < full; j += (L))                                                       \
      STOREU(c + j, beta == 0 ? ZERO() : MUL(vb, LOADU(c + j)));                               \
    if (full < n) STORE(c + full, tail, beta == 0 ? ZERO() : MUL(vb, LOAD(c + full, tail)));   \
    long p = 0;                                                                                \
    for (; p + 4 <= k; p += 4) {                                                               \
      const VT a0 = SET1(alpha * a[p * asp]), a1 = SET1(alpha * a[(p + 1) * asp]);             \
      const VT a2 = SET1(alpha * a[(p + 2) * asp]), a3 = SET1(alpha * a[(p + 3) * asp]);       \
      const T *b0 = b + p * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;               \
      for (long j = 0; j < full; j += (L)) {                                                   \
        VT y = FMA(a0, LOADU(b0 + j), LOADU(c + j));                                           \
        y = FMA(a1, LOADU(b1 + j), y);                                                         \
        y = FMA(a2, LOADU(b2 + j), y);                                                         \
        STOREU(c + j, FMA(a3, LOADU(b3 + j), y));                                              \
      }                                                                                        \
      if (full < n) {                                                                          \
        VT y = FMA(a0, LOAD(b0 + full, tail), LOAD(c + full, tail));                           \
        y = FMA(a1, LOAD(b1 + full, tail), y);                                                 \
        y = FMA(a2, LOAD(b2 + full, tail), y);                                                 \
        STORE(c + full, tail, FMA(a3, LOAD(b3 + full, tail), y));                              \
      }                                                                                        \
    }                                                                                          \
    for (; p < k; ++p) {                                                                       \
      const VT a0 = SET1(alpha * a[p * asp]);                                                  \
      const T *b0 = b + p * ldb;                                                               \
      for (long j = 0; j < full; j += (L)) STOREU(c + j, FMA(a0, LOADU(b0 + j), LOADU(c + j))); \
      if (full < n)                                                                            \
        STORE(c + full, tail, FMA(a0, LOAD(b0 + full, tail), LOAD(c + full, tail)));           \
    }                                                                                          \
  }

// C = alpha * a * b + beta * C for a depth of one (an outer product: the weight gradient of a
// batch-1 layer), row by row: a register tile would zero, fill and scale a tile of
// accumulators for a single multiply-add each.
#define ST_OUTER_KERNEL(NAME, T, VT, L, MASK, LOAD, STORE, LOADU, STOREU, FMA, SET1, MUL)      \
  ST_TARGET static void NAME(long m, long n, T alpha, const T *a, long asi, const T *b,       \
                             T beta, T *c, long ldc) {                                         \
    const __m256i tail = MASK(n % (L));                                                        \
    const long full = n - n % (L);                                                             \
    const VT vb = SET1(beta);                                                                  \
    for (long i = 0; i < m; ++i) {                                                             \
      const VT x = SET1(alpha * a[i * asi]);                                                   \
      T *row = c + i * ldc;                                                                    \
      /* A ragged row of at least one vector ends with the vector ending at n, computed from */ \
      /* the row as it was: the lanes it shares with the last full vector get the same value, */ \
      /* and no masked store (about a third of this kernel's time on Zen 3) is needed. */       \
      const int overlap = full < n && n >= (L);                                                \
      VT last = x;                                                                             \
      if (overlap) {                                                                           \
        const VT bl = LOADU(b + n - (L));                                                      \
        last = beta == 0   ? MUL(x, bl)                                                        \
               : beta == 1 ? FMA(x, bl, LOADU(row + n - (L)))                                  \
                           : FMA(x, bl, MUL(vb, LOADU(row + n - (L))));                        \
      }                                                                                        \
      if (beta == 1) { /* accumulating into a gradient: one FMA per vector */                \
        for (long j = 0; j < full; j += (L))                                                   \
          STOREU(row + j, FMA(x, LOADU(b + j), LOADU(row + j)));                               \
      } else {                                                                                 \
        for (long j = 0; j < full; j += (L)) {                                                 \
          const VT y = beta == 0 ? MUL(x, LOADU(b + j))                                        \
                                 : FMA(x, LOADU(b + j), MUL(vb, LOADU(row + j)));              \
          STOREU(row + j, y);                                                                  \
        }                                                                                      \
      }                                                                                        \
      if (overlap) {                                                                           \
        STOREU(row + n - (L), last);                                                           \
      } else if (full < n) {                                                                   \
        const VT y = beta == 0 ? MUL(x, LOAD(b + full, tail))                                  \
                               : FMA(x, LOAD(b + full, tail), MUL(vb, LOAD(row + full, tail))); \
        STORE(row + full, tail, y);                                                            \
      }                                                                                        \
    }                                                                                          \
  }

#define ST_S_LOAD(p, m) _mm256_maskload_ps((p), (m))
#define ST_S_STORE(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define ST_D_LOAD(p, m) _mm256_maskload_pd((p), (m))
#define ST_D_STORE(p, m, v) _mm256_maskstore_pd((p), (m), (v))

ST_ROWS_KERNEL(st_s_rows6, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_storeu_ps,
               _mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps, _mm256_setzero_ps, 6, 2,
               _mm256_loadu_ps)
ST_ROWS_KERNEL(st_s_rows4, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_storeu_ps,
               _mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps, _mm256_setzero_ps, 4, 2,
               _mm256_loadu_ps)
ST_ROWS_KERNEL(st_s_rows1, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_storeu_ps,
               _mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps, _mm256_setzero_ps, 1, 4,
               _mm256_loadu_ps)
ST_STREAM_KERNEL(st_s_stream, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_loadu_ps,
                 _mm256_storeu_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps,
                 _mm256_setzero_ps)
ST_OUTER_KERNEL(st_s_outer, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_loadu_ps,
                _mm256_storeu_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_mul_ps)
ST_DOTS_KERNEL(st_s_dots, float, __m256, 8, st_mask_s, ST_S_LOAD, ST_S_STORE, _mm256_fmadd_ps,
               _mm256_setzero_ps, st_hsum_s)
ST_ROWS_KERNEL(st_d_rows6, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE, _mm256_storeu_pd,
               _mm256_fmadd_pd, _mm256_set1_pd, _mm256_mul_pd, _mm256_setzero_pd, 6, 2,
               _mm256_loadu_pd)
ST_ROWS_KERNEL(st_d_rows4, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE, _mm256_storeu_pd,
               _mm256_fmadd_pd, _mm256_set1_pd, _mm256_mul_pd, _mm256_setzero_pd, 4, 2,
               _mm256_loadu_pd)
ST_ROWS_KERNEL(st_d_rows1, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE, _mm256_storeu_pd,
               _mm256_fmadd_pd, _mm256_set1_pd, _mm256_mul_pd, _mm256_setzero_pd, 1, 4,
               _mm256_loadu_pd)
ST_STREAM_KERNEL(st_d_stream, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE,
                 _mm256_loadu_pd, _mm256_storeu_pd, _mm256_fmadd_pd, _mm256_set1_pd, _mm256_mul_pd,
                 _mm256_setzero_pd)
ST_OUTER_KERNEL(st_d_outer, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE, _mm256_loadu_pd,
                _mm256_storeu_pd, _mm256_fmadd_pd, _mm256_set1_pd, _mm256_mul_pd)
ST_DOTS_KERNEL(st_d_dots, double, __m256d, 4, st_mask_d, ST_D_LOAD, ST_D_STORE, _mm256_fmadd_pd,
               _mm256_setzero_pd, st_hsum_d)

#define ST_SMALL(NAME, T, ROWS6, ROWS4, ROWS1, STREAM, OUTER, DOTS)                            \
  int NAME(int transposeA, int transposeB, long m, long n, long k, T alpha, const T *a,        \
           long lda, const T *b, long ldb, T beta, T *c, long ldc) {                           \
    if (transposeB) {                                                                          \
      if (transposeA) return 0;                                                                \
      for (long i = 0; i < m; ++i) DOTS(n, k, alpha, a + i * lda, b, ldb, beta, c + i * ldc);  \
      return 1;                                                                                \
    }                                                                                          \
    const long asi = transposeA ? 1 : lda, asp = transposeA ? lda : 1;                         \
    if (k == 1) {                                                                              \
      OUTER(m, n, alpha, a, asi, b, beta, c, ldc);                                             \
      return 1;                                                                                \
    }                                                                                          \
    if (m < 6 && n >= 128 && k >= 16) {                                                        \
      for (long i = 0; i < m; ++i)                                                             \
        STREAM(n, k, alpha, a + i * asi, asp, b, ldb, beta, c + i * ldc);                      \
      return 1;                                                                                \
    }                                                                                          \
    long i = 0;                                                                                \
    for (; i + 6 <= m; i += 6)                                                                 \
      ROWS6(n, k, alpha, a + i * asi, asi, asp, b, ldb, beta, c + i * ldc, ldc);               \
    for (; i + 4 <= m; i += 4)                                                                 \
      ROWS4(n, k, alpha, a + i * asi, asi, asp, b, ldb, beta, c + i * ldc, ldc);               \
    for (; i < m; ++i) ROWS1(n, k, alpha, a + i * asi, asi, asp, b, ldb, beta, c + i * ldc, ldc); \
    return 1;                                                                                  \
  }

ST_SMALL(swifttensor_sgemm_small, float, st_s_rows6, st_s_rows4, st_s_rows1, st_s_stream,
         st_s_outer, st_s_dots)
ST_SMALL(swifttensor_dgemm_small, double, st_d_rows6, st_d_rows4, st_d_rows1, st_d_stream,
         st_d_outer, st_d_dots)
#endif
