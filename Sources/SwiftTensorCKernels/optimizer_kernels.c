#include "SwiftTensorCKernels.h"

// The plain SGD update, AVX2+FMA (same target-attribute scheme as gemm_kernels.c): the one
// optimiser step of pytensor's training loop, run on every parameter every step.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

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

// Adam: the square root and the divide are vector instructions here, where the portable loop
// pays a scalar square root and divide per element.
__attribute__((target("avx2,fma"))) void swifttensor_adam_f32(
    float *p, const float *g, float *m, float *s, long count, float beta1, float beta2,
    float stepSize, float correction2, float epsilon, float l2, float decoupled) {
  const __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
  const __m256 c1 = _mm256_set1_ps(1 - beta1), c2 = _mm256_set1_ps(1 - beta2);
  const __m256 step = _mm256_set1_ps(stepSize), eps = _mm256_set1_ps(epsilon);
  const __m256 inverse2 = _mm256_set1_ps(1 / correction2);
  const __m256 decay = _mm256_set1_ps(l2), shrink = _mm256_set1_ps(decoupled);
  long i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 x = _mm256_loadu_ps(p + i);
    __m256 d = _mm256_fmadd_ps(decay, x, _mm256_loadu_ps(g + i));
    __m256 first = _mm256_fmadd_ps(b1, _mm256_loadu_ps(m + i), _mm256_mul_ps(c1, d));
    __m256 second =
        _mm256_fmadd_ps(b2, _mm256_loadu_ps(s + i), _mm256_mul_ps(c2, _mm256_mul_ps(d, d)));
    _mm256_storeu_ps(m + i, first);
    _mm256_storeu_ps(s + i, second);
    x = _mm256_fnmadd_ps(shrink, x, x);
    __m256 denominator = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(second, inverse2)), eps);
    _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(step, _mm256_div_ps(first, denominator), x));
  }
  for (; i < count; ++i) {
    float d = g[i] + l2 * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * d;
    s[i] = beta2 * s[i] + (1 - beta2) * d * d;
    p[i] -= decoupled * p[i];
    p[i] -= stepSize * (m[i] / (sqrtf(s[i] / correction2) + epsilon));
  }
}

__attribute__((target("avx2,fma"))) void swifttensor_adam_f64(
    double *p, const double *g, double *m, double *s, long count, double beta1, double beta2,
    double stepSize, double correction2, double epsilon, double l2, double decoupled) {
  const __m256d b1 = _mm256_set1_pd(beta1), b2 = _mm256_set1_pd(beta2);
  const __m256d c1 = _mm256_set1_pd(1 - beta1), c2 = _mm256_set1_pd(1 - beta2);
  const __m256d step = _mm256_set1_pd(stepSize), eps = _mm256_set1_pd(epsilon);
  const __m256d inverse2 = _mm256_set1_pd(1 / correction2);
  const __m256d decay = _mm256_set1_pd(l2), shrink = _mm256_set1_pd(decoupled);
  long i = 0;
  for (; i + 4 <= count; i += 4) {
    __m256d x = _mm256_loadu_pd(p + i);
    __m256d d = _mm256_fmadd_pd(decay, x, _mm256_loadu_pd(g + i));
    __m256d first = _mm256_fmadd_pd(b1, _mm256_loadu_pd(m + i), _mm256_mul_pd(c1, d));
    __m256d second =
        _mm256_fmadd_pd(b2, _mm256_loadu_pd(s + i), _mm256_mul_pd(c2, _mm256_mul_pd(d, d)));
    _mm256_storeu_pd(m + i, first);
    _mm256_storeu_pd(s + i, second);
    x = _mm256_fnmadd_pd(shrink, x, x);
    __m256d denominator = _mm256_add_pd(_mm256_sqrt_pd(_mm256_mul_pd(second, inverse2)), eps);
    _mm256_storeu_pd(p + i, _mm256_fnmadd_pd(step, _mm256_div_pd(first, denominator), x));
  }
  for (; i < count; ++i) {
    double d = g[i] + l2 * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * d;
    s[i] = beta2 * s[i] + (1 - beta2) * d * d;
    p[i] -= decoupled * p[i];
    p[i] -= stepSize * (m[i] / (sqrt(s[i] / correction2) + epsilon));
  }
}

__attribute__((target("avx2,fma"))) float swifttensor_sum_squares_f32(const float *x, long count) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  long i = 0;
  for (; i + 32 <= count; i += 32) {
    __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
    a0 = _mm256_fmadd_ps(v0, v0, a0);
    a1 = _mm256_fmadd_ps(v1, v1, a1);
    a2 = _mm256_fmadd_ps(v2, v2, a2);
    a3 = _mm256_fmadd_ps(v3, v3, a3);
  }
  for (; i + 8 <= count; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(v, v, a0);
  }
  __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (int lane = 0; lane < 8; ++lane) total += lanes[lane];
  for (; i < count; ++i) total += x[i] * x[i];
  return total;
}

__attribute__((target("avx2,fma"))) double swifttensor_sum_squares_f64(const double *x, long count) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  long i = 0;
  for (; i + 16 <= count; i += 16) {
    __m256d v0 = _mm256_loadu_pd(x + i), v1 = _mm256_loadu_pd(x + i + 4);
    __m256d v2 = _mm256_loadu_pd(x + i + 8), v3 = _mm256_loadu_pd(x + i + 12);
    a0 = _mm256_fmadd_pd(v0, v0, a0);
    a1 = _mm256_fmadd_pd(v1, v1, a1);
    a2 = _mm256_fmadd_pd(v2, v2, a2);
    a3 = _mm256_fmadd_pd(v3, v3, a3);
  }
  for (; i + 4 <= count; i += 4) {
    __m256d v = _mm256_loadu_pd(x + i);
    a0 = _mm256_fmadd_pd(v, v, a0);
  }
  __m256d sum = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
  double lanes[4];
  _mm256_storeu_pd(lanes, sum);
  double total = 0;
  for (int lane = 0; lane < 4; ++lane) total += lanes[lane];
  for (; i < count; ++i) total += x[i] * x[i];
  return total;
}
#endif
