#include "SwiftTensorCKernels.h"

// The float micro-kernel reading its A panel straight from a row-major matrix instead of a
// packed copy: in products with few output columns (a transformer's n = 128 projections, a
// small MLP's layers) packing A costs a visible share of the product, and six rows read in
// place stream as well as a packed panel. (A transposed A read in place, six scalars of each
// of kc cache lines, ran slower than packing it.) Same target attribute and register budget
// as `gemm_kernels.c`.
#if defined(__x86_64__)
#include <immintrin.h>

#define ST_UROW(r, av)                                  \
  do {                                                  \
    c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);         \
    c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);         \
  } while (0)

// One step of k with the six A values at a0[p], ..., a5[p] (rows of a row-major A).
#define ST_USTEP_ROWS()                                                   \
  do {                                                                    \
    __m256 b0 = _mm256_loadu_ps(b);                                       \
    __m256 b1 = _mm256_loadu_ps(b + 8);                                   \
    ST_UROW(0, _mm256_broadcast_ss(a0 + p)); ST_UROW(1, _mm256_broadcast_ss(a1 + p)); \
    ST_UROW(2, _mm256_broadcast_ss(a2 + p)); ST_UROW(3, _mm256_broadcast_ss(a3 + p)); \
    ST_UROW(4, _mm256_broadcast_ss(a4 + p)); ST_UROW(5, _mm256_broadcast_ss(a5 + p)); \
    b += 16;                                                              \
    ++p;                                                                  \
  } while (0)

#define ST_USTORE(r)                                                          \
  do {                                                                        \
    float *row = c + (r) * ldc;                                               \
    __m256 x0 = _mm256_mul_ps(va, c##r##0);                                   \
    __m256 x1 = _mm256_mul_ps(va, c##r##1);                                   \
    if (beta != 0.0f) {                                                       \
      x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), x0);                     \
      x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), x1);                 \
    }                                                                         \
    _mm256_storeu_ps(row, x0);                                                \
    _mm256_storeu_ps(row + 8, x1);                                            \
  } while (0)

#define ST_UDECLARE()                                           \
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(); \
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(); \
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(); \
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(); \
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(); \
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps(); \
  for (int r = 0; r < 6; ++r) {                                 \
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);     \
    _mm_prefetch((const char *)(c + r * ldc + 15), _MM_HINT_T0); \
  }

#define ST_UFINISH()                                            \
  __m256 va = _mm256_set1_ps(alpha);                            \
  __m256 vb = _mm256_set1_ps(beta);                             \
  ST_USTORE(0); ST_USTORE(1); ST_USTORE(2);                     \
  ST_USTORE(3); ST_USTORE(4); ST_USTORE(5);

__attribute__((target("avx2,fma")))
void swifttensor_sgemm_kernel_6x16_rows(
    long k, const float *a, long lda, const float *b, float *c, long ldc, float alpha,
    float beta) {
  ST_UDECLARE();
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda,
              *a5 = a + 5 * lda;
  long p = 0;
  while (p + 4 <= k) {
    ST_USTEP_ROWS(); ST_USTEP_ROWS(); ST_USTEP_ROWS(); ST_USTEP_ROWS();
  }
  while (p < k) ST_USTEP_ROWS();
  ST_UFINISH();
}

#endif
