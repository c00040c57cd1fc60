#include "SwiftTensorCKernels.h"
#include "gemm_inline.h"

// The kernels carry their own target attribute instead of a build flag, so that the package
// needs no unsafe flags and the rest of the binary still runs on baseline x86_64; the Swift
// driver calls them only after checking the CPU at run time.
#if defined(__x86_64__)
#include <immintrin.h>

// Twelve accumulators plus two B vectors plus one broadcast A value use 15 of the 16 ymm
// registers, so the loop body never spills.
#define ST_SFMA(r, av)                                  \
  do {                                                  \
    c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);         \
    c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);         \
  } while (0)

#define ST_SROW(r) ST_SFMA(r, _mm256_broadcast_ss(a + (r)))

#define ST_SSTEP()                                      \
  do {                                                  \
    __m256 b0 = _mm256_loadu_ps(b);                      \
    __m256 b1 = _mm256_loadu_ps(b + 8);                  \
    ST_SROW(0); ST_SROW(1); ST_SROW(2);                 \
    ST_SROW(3); ST_SROW(4); ST_SROW(5);                 \
    a += 6;                                             \
    b += 16;                                            \
  } while (0)

// One row of a 16-wide tile into C: `alpha·acc + beta·C`. alpha = 1 (every product of the
// library's own operations) skips the multiplies, a visible share of a tile whose k is a batch
// of 64; beta = 0 does not read C.
__attribute__((always_inline, target("avx2,fma"))) static inline void st_sstore_row(
    float *row, __m256 x0, __m256 x1, float alpha, float beta) {
  if (alpha != 1.0f) {
    __m256 va = _mm256_set1_ps(alpha);
    x0 = _mm256_mul_ps(va, x0);
    x1 = _mm256_mul_ps(va, x1);
  }
  if (beta != 0.0f) {
    __m256 vb = _mm256_set1_ps(beta);
    x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), x0);
    x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), x1);
  }
  _mm256_storeu_ps(row, x0);
  _mm256_storeu_ps(row + 8, x1);
}

#define ST_SSTORE(r) st_sstore_row(c + (r) * ldc, c##r##0, c##r##1, alpha, beta)

// The twelve accumulators, starting at zero or at a bias row, and the C tile fetched now: it
// is written once at the end, and the fetch hides that miss behind the loop.
#define ST_SBEGIN_FROM(s0, s1)                                  \
  __m256 c00 = (s0), c01 = (s1), c10 = (s0), c11 = (s1);        \
  __m256 c20 = (s0), c21 = (s1), c30 = (s0), c31 = (s1);        \
  __m256 c40 = (s0), c41 = (s1), c50 = (s0), c51 = (s1);        \
  for (int r = 0; r < 6; ++r) {                                 \
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);     \
    _mm_prefetch((const char *)(c + r * ldc + 15), _MM_HINT_T0); \
  }

#define ST_SBEGIN() ST_SBEGIN_FROM(_mm256_setzero_ps(), _mm256_setzero_ps())

// A bias row's two vectors, or zeros.
#define ST_SBIAS(bias, half) \
  ((bias) ? _mm256_loadu_ps((bias) + 8 * (half)) : _mm256_setzero_ps())

#define ST_SEND()                                               \
  ST_SSTORE(0); ST_SSTORE(1); ST_SSTORE(2);                     \
  ST_SSTORE(3); ST_SSTORE(4); ST_SSTORE(5);

__attribute__((target("avx2,fma")))
void swifttensor_sgemm_kernel_6x16(
    long k, const float *a, const float *b, float *c, long ldc, float alpha, float beta) {
  ST_SBEGIN();
  long p = 0;
  // Unrolled by four to amortise the loop branch over 48 FMAs.
  for (; p + 4 <= k; p += 4) {
    _mm_prefetch((const char *)(a + 96), _MM_HINT_T0);
    ST_SSTEP(); ST_SSTEP(); ST_SSTEP(); ST_SSTEP();
  }
  for (; p < k; ++p) ST_SSTEP();
  ST_SEND();
}

// The same tile with A read in place from a row-major matrix instead of a packed copy: in
// products with few output columns (a transformer's n = 128 projections, a small MLP's
// layers) packing A costs a visible share of the product, and six rows read in place stream
// as well as a packed panel. (A transposed A read in place, six scalars of each of kc cache
// lines, ran slower than packing it.) The six rows of the tile computed next (`next`) are
// fetched a line per row every 16 steps, as the packed kernel fetches its panel ahead: the
// hardware does not follow six streams at once.
#define ST_SSTEP_ROWS()                                                            \
  do {                                                                             \
    __m256 b0 = _mm256_loadu_ps(b);                                                \
    __m256 b1 = _mm256_loadu_ps(b + 8);                                            \
    ST_SFMA(0, _mm256_broadcast_ss(a0 + p)); ST_SFMA(1, _mm256_broadcast_ss(a1 + p)); \
    ST_SFMA(2, _mm256_broadcast_ss(a2 + p)); ST_SFMA(3, _mm256_broadcast_ss(a3 + p)); \
    ST_SFMA(4, _mm256_broadcast_ss(a4 + p)); ST_SFMA(5, _mm256_broadcast_ss(a5 + p)); \
    b += 16;                                                                       \
    ++p;                                                                           \
  } while (0)

__attribute__((target("avx2,fma")))
void swifttensor_sgemm_kernel_6x16_rows(
    long k, const float *a, long lda, const float *b, const float *bias, float *c, long ldc,
    float alpha, float beta, const float *next) {
  const __m256 start0 = ST_SBIAS(bias, 0), start1 = ST_SBIAS(bias, 1);
  ST_SBEGIN_FROM(start0, start1);
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda,
              *a5 = a + 5 * lda;
  long p = 0;
  while (p + 4 <= k) {
    if ((p & 15) == 0) ST_PREFETCH_ROWS(next, lda, p);
    ST_SSTEP_ROWS(); ST_SSTEP_ROWS(); ST_SSTEP_ROWS(); ST_SSTEP_ROWS();
  }
  while (p < k) ST_SSTEP_ROWS();
  ST_SEND();
}

// A last panel of fewer than six rows, read in place (`A[r][p] = a[r lda + p]`) or packed
// (`a[p 6 + r]`): one accumulator pair per row, as in the full tile, so no multiply-adds are
// spent on rows that do not exist.
#define ST_SSHORT_STEP(H)                                                          \
  do {                                                                             \
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);                   \
    for (int r = 0; r < (H); ++r) {                                                \
      __m256 av = _mm256_broadcast_ss(a + r * row_stride + p * depth_stride);      \
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);                              \
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);                              \
    }                                                                              \
    b += 16;                                                                       \
  } while (0)

#define ST_SSHORT_KERNEL(H)                                                        \
  __attribute__((target("avx2,fma"))) static void st_sgemm_short_##H(              \
      long k, const float *a, long row_stride, long depth_stride, const float *b,  \
      const float *bias, float *c, long ldc, float alpha, float beta) {            \
    __m256 acc[H][2];                                                              \
    const __m256 start0 = ST_SBIAS(bias, 0), start1 = ST_SBIAS(bias, 1);           \
    for (int r = 0; r < (H); ++r) acc[r][0] = start0, acc[r][1] = start1;          \
    for (long p = 0; p < k; ++p) ST_SSHORT_STEP(H);                                \
    for (int r = 0; r < (H); ++r)                                                  \
      st_sstore_row(c + r * ldc, acc[r][0], acc[r][1], alpha, beta);               \
  }

ST_SSHORT_KERNEL(1)
ST_SSHORT_KERNEL(2)
ST_SSHORT_KERNEL(3)
ST_SSHORT_KERNEL(4)
ST_SSHORT_KERNEL(5)

void swifttensor_sgemm_kernel_short_rows(
    long rows, long k, const float *a, long row_stride, long depth_stride, const float *b,
    const float *bias, float *c, long ldc, float alpha, float beta) {
  switch (rows) {
  case 1: st_sgemm_short_1(k, a, row_stride, depth_stride, b, bias, c, ldc, alpha, beta); break;
  case 2: st_sgemm_short_2(k, a, row_stride, depth_stride, b, bias, c, ldc, alpha, beta); break;
  case 3: st_sgemm_short_3(k, a, row_stride, depth_stride, b, bias, c, ldc, alpha, beta); break;
  case 4: st_sgemm_short_4(k, a, row_stride, depth_stride, b, bias, c, ldc, alpha, beta); break;
  case 5: st_sgemm_short_5(k, a, row_stride, depth_stride, b, bias, c, ldc, alpha, beta); break;
  default: break;
  }
}

#define ST_DROW(r)                                      \
  do {                                                  \
    __m256d av = _mm256_broadcast_sd(a + (r));          \
    c##r##0 = _mm256_fmadd_pd(av, b0, c##r##0);         \
    c##r##1 = _mm256_fmadd_pd(av, b1, c##r##1);         \
  } while (0)

#define ST_DSTEP()                                      \
  do {                                                  \
    __m256d b0 = _mm256_loadu_pd(b);                     \
    __m256d b1 = _mm256_loadu_pd(b + 4);                 \
    ST_DROW(0); ST_DROW(1); ST_DROW(2);                 \
    ST_DROW(3); ST_DROW(4); ST_DROW(5);                 \
    a += 6;                                             \
    b += 8;                                             \
  } while (0)

#define ST_DSTORE(r)                                                          \
  do {                                                                        \
    double *row = c + (r) * ldc;                                              \
    __m256d x0 = _mm256_mul_pd(va, c##r##0);                                  \
    __m256d x1 = _mm256_mul_pd(va, c##r##1);                                  \
    if (beta != 0.0) {                                                        \
      x0 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(row), x0);                     \
      x1 = _mm256_fmadd_pd(vb, _mm256_loadu_pd(row + 4), x1);                 \
    }                                                                         \
    _mm256_storeu_pd(row, x0);                                                \
    _mm256_storeu_pd(row + 4, x1);                                            \
  } while (0)

__attribute__((target("avx2,fma")))
void swifttensor_dgemm_kernel_6x8(
    long k, const double *a, const double *b, double *c, long ldc, double alpha, double beta) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
  for (int r = 0; r < 6; ++r) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + 7), _MM_HINT_T0);
  }
  long p = 0;
  for (; p + 4 <= k; p += 4) {
    _mm_prefetch((const char *)(a + 96), _MM_HINT_T0);
    ST_DSTEP(); ST_DSTEP(); ST_DSTEP(); ST_DSTEP();
  }
  for (; p < k; ++p) ST_DSTEP();
  __m256d va = _mm256_set1_pd(alpha);
  __m256d vb = _mm256_set1_pd(beta);
  ST_DSTORE(0); ST_DSTORE(1); ST_DSTORE(2);
  ST_DSTORE(3); ST_DSTORE(4); ST_DSTORE(5);
}
#endif
