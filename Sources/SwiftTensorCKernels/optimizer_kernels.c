#include "SwiftTensorCKernels.h"

// The plain SGD update, AVX2+FMA (same target-attribute scheme as gemm_kernels.c): the one
// optimiser step of pytensor's training loop, run on every parameter every step.
#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) void swifttensor_sgd_f32(
    float *p, const float *g, long count, float learningRate, float weightDecay) {
  const __m256 lr = _mm256_set1_ps(learningRate), wd = _mm256_set1_ps(weightDecay);
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 x = _mm256_loadu_ps(p + i);
    __m256 step = _mm256_fmadd_ps(wd, x, _mm256_loadu_ps(g + i));
    _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(lr, step, x));
  }
  for (; i < count; ++i) p[i] -= learningRate * (g[i] + weightDecay * p[i]);
}

__attribute__((target("avx2,fma"))) void swifttensor_sgd_f64(
    double *p, const double *g, long count, double learningRate, double weightDecay) {
  const __m256d lr = _mm256_set1_pd(learningRate), wd = _mm256_set1_pd(weightDecay);
  long i = 0;
  for (; i + 4 <= count; i += 4) {
    __m256d x = _mm256_loadu_pd(p + i);
    __m256d step = _mm256_fmadd_pd(wd, x, _mm256_loadu_pd(g + i));
    _mm256_storeu_pd(p + i, _mm256_fnmadd_pd(lr, step, x));
  }
  for (; i < count; ++i) p[i] -= learningRate * (g[i] + weightDecay * p[i]);
}
#endif
