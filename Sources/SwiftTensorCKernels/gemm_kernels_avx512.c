#include "SwiftTensorCKernels.h"
#include "gemm_inline.h"

// The float GEMM tiles of gemm_kernels.c widened to 6 rows x 32 columns in AVX-512 vectors: two
// adjacent 16-column B panels, one 16-lane vector from each per step of the depth. Each A value
// broadcast now feeds twice the columns, which halves the A traffic and the instructions per
// multiply-add; Zen 4 runs each 512-bit FMA in two halves, so the peak is the AVX2 tile's, but
// the products of a transformer's step come closer to it. Every element is summed in the same
// order as in the 6 x 16 tiles (the same FMAs, the same alpha and beta steps), so both give the
// same bits.
#if defined(__x86_64__)
#include <immintrin.h>

#define ST_TARGET512 __attribute__((target("avx512f")))

// Row r's two accumulators += one A value times the step's two B vectors.
#define ST_WFMA(r, av)                                  \
  do {                                                  \
    const __m512 a_##r = (av);                          \
    c##r##0 = _mm512_fmadd_ps(a_##r, b0, c##r##0);      \
    c##r##1 = _mm512_fmadd_ps(a_##r, b1, c##r##1);      \
  } while (0)

// `alpha·acc + beta·C` into one row of 32, as `st_sstore_row` does for 16.
__attribute__((always_inline, target("avx512f"))) static inline void st_wstore_row(
    float *row, __m512 x0, __m512 x1, float alpha, float beta) {
  if (alpha != 1.0f) {
    const __m512 va = _mm512_set1_ps(alpha);
    x0 = _mm512_mul_ps(va, x0);
    x1 = _mm512_mul_ps(va, x1);
  }
  if (beta != 0.0f) {
    const __m512 vb = _mm512_set1_ps(beta);
    x0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), x0);
    x1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), x1);
  }
  _mm512_storeu_ps(row, x0);
  _mm512_storeu_ps(row + 16, x1);
}

// The twelve accumulators from one start row, and the C tile fetched now (written at the end).
#define ST_WBEGIN(s0, s1)                                       \
  __m512 c00 = (s0), c01 = (s1), c10 = (s0), c11 = (s1);        \
  __m512 c20 = (s0), c21 = (s1), c30 = (s0), c31 = (s1);        \
  __m512 c40 = (s0), c41 = (s1), c50 = (s0), c51 = (s1);        \
  for (int r = 0; r < 6; ++r) {                                 \
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);     \
    _mm_prefetch((const char *)(c + r * ldc + 16), _MM_HINT_T0); \
    _mm_prefetch((const char *)(c + r * ldc + 31), _MM_HINT_T0); \
  }

#define ST_WEND()                                                         \
  st_wstore_row(c, c00, c01, alpha, beta);                                \
  st_wstore_row(c + ldc, c10, c11, alpha, beta);                          \
  st_wstore_row(c + 2 * ldc, c20, c21, alpha, beta);                      \
  st_wstore_row(c + 3 * ldc, c30, c31, alpha, beta);                      \
  st_wstore_row(c + 4 * ldc, c40, c41, alpha, beta);                      \
  st_wstore_row(c + 5 * ldc, c50, c51, alpha, beta);

#define ST_WSTEP(A0, A1, A2, A3, A4, A5)                  \
  do {                                                    \
    const __m512 b0 = _mm512_loadu_ps(b + 16 * p);        \
    const __m512 b1 = _mm512_loadu_ps(b1p + 16 * p);      \
    ST_WFMA(0, A0); ST_WFMA(1, A1); ST_WFMA(2, A2);       \
    ST_WFMA(3, A3); ST_WFMA(4, A4); ST_WFMA(5, A5);       \
    ++p;                                                  \
  } while (0)

ST_TARGET512 void swifttensor_sgemm_kernel_6x32_avx512(
    long k, const float *a, const float *b, long panel_stride, float *c, long ldc, float alpha,
    float beta) {
  ST_WBEGIN(_mm512_setzero_ps(), _mm512_setzero_ps());
  const float *b1p = b + panel_stride;
  long p = 0;
#define ST_WPACKED() \
  ST_WSTEP(_mm512_set1_ps(a[6 * p]), _mm512_set1_ps(a[6 * p + 1]), _mm512_set1_ps(a[6 * p + 2]), \
           _mm512_set1_ps(a[6 * p + 3]), _mm512_set1_ps(a[6 * p + 4]),                       \
           _mm512_set1_ps(a[6 * p + 5]))
  while (p + 4 <= k) {
    _mm_prefetch((const char *)(a + 6 * p + 96), _MM_HINT_T0);
    ST_WPACKED(); ST_WPACKED(); ST_WPACKED(); ST_WPACKED();
  }
  while (p < k) ST_WPACKED();
#undef ST_WPACKED
  ST_WEND();
}

ST_TARGET512 void swifttensor_sgemm_kernel_6x32_rows_avx512(
    long k, const float *a, long lda, const float *b, long panel_stride, const float *bias,
    float *c, long ldc, float alpha, float beta, const float *next) {
  const __m512 s0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
  const __m512 s1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
  ST_WBEGIN(s0, s1);
  const float *b1p = b + panel_stride;
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda,
              *a5 = a + 5 * lda;
  long p = 0;
#define ST_WROWS() \
  ST_WSTEP(_mm512_set1_ps(a0[p]), _mm512_set1_ps(a1[p]), _mm512_set1_ps(a2[p]), \
           _mm512_set1_ps(a3[p]), _mm512_set1_ps(a4[p]), _mm512_set1_ps(a5[p]))
  while (p + 4 <= k) {
    if ((p & 15) == 0) ST_PREFETCH_ROWS(next, lda, p);
    ST_WROWS(); ST_WROWS(); ST_WROWS(); ST_WROWS();
  }
  while (p < k) ST_WROWS();
#undef ST_WROWS
  ST_WEND();
}

// The last rows (1 to 5) of a 6 x 32 tile, as `swifttensor_sgemm_kernel_short_rows` computes
// them for each panel alone. Two 16-lane accumulators per row: the AVX2 kernel's two 8-lane
// ones per row leave too few multiply-adds in flight to cover their latency for one or two
// rows, and these do the same work in half the instructions.
#define ST_WSHORT_KERNEL(H)                                                                 \
  ST_TARGET512 static void st_sgemm_wide_short_##H(                                         \
      long k, const float *a, long row_stride, long depth_stride, const float *b,           \
      long panel_stride, const float *bias, float *c, long ldc, float alpha, float beta) {  \
    const __m512 s0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();                  \
    const __m512 s1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();             \
    __m512 acc[H][2];                                                                       \
    for (int r = 0; r < (H); ++r) acc[r][0] = s0, acc[r][1] = s1;                           \
    const float *b1p = b + panel_stride;                                                    \
    for (long p = 0; p < k; ++p) {                                                          \
      const __m512 b0 = _mm512_loadu_ps(b + 16 * p), b1 = _mm512_loadu_ps(b1p + 16 * p);    \
      for (int r = 0; r < (H); ++r) {                                                       \
        const __m512 av = _mm512_set1_ps(a[r * row_stride + p * depth_stride]);             \
        acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);                                     \
        acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);                                     \
      }                                                                                     \
    }                                                                                       \
    for (int r = 0; r < (H); ++r)                                                           \
      st_wstore_row(c + r * ldc, acc[r][0], acc[r][1], alpha, beta);                        \
  }

ST_WSHORT_KERNEL(1)
ST_WSHORT_KERNEL(2)
ST_WSHORT_KERNEL(3)
ST_WSHORT_KERNEL(4)
ST_WSHORT_KERNEL(5)

void swifttensor_sgemm_kernel_short_rows_32_avx512(
    long rows, long k, const float *a, long row_stride, long depth_stride, const float *b,
    long panel_stride, const float *bias, float *c, long ldc, float alpha, float beta) {
#define ST_WSHORT_CASE(H)                                                                   \
  case H:                                                                                   \
    st_sgemm_wide_short_##H(k, a, row_stride, depth_stride, b, panel_stride, bias, c, ldc,  \
                            alpha, beta);                                                   \
    break;
  switch (rows) {
    ST_WSHORT_CASE(1) ST_WSHORT_CASE(2) ST_WSHORT_CASE(3) ST_WSHORT_CASE(4) ST_WSHORT_CASE(5)
  default: break;
  }
#undef ST_WSHORT_CASE
}
#endif
