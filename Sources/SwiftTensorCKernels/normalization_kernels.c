#include "SwiftTensorCKernels.h"
#include "vector_math_inline.h"

// Layer normalisation of float rows, AVX2+FMA: the loops of
// SwiftTensor/Kernels/NormalizationKernels.swift for one scalar per channel (a layer norm), with
// the same precision choices (the mean and variance summed in double, two passes; the
// parameters' gradients gathered in float over blocks of 32 rows, then in double), in 8-lane
// vectors instead of the portable code's scalar double sums.
#if defined(__x86_64__)

ST_INLINE __m256d st_ln_low(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
ST_INLINE __m256d st_ln_high(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

ST_INLINE double st_ln_sum_pd(__m256d v) {
  __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)));
}

ST_INLINE float st_ln_sum_ps(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

// Σ row[k], in double: four accumulators, so that a row of 128 waits on 8 dependent adds
// rather than 16 (the loops below are bound by these chains, not by memory).
ST_INLINE double st_ln_row_sum(const float *row, long length) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
  long k = 0;
  for (; k + 16 <= length; k += 16) {
    const __m256 v = _mm256_loadu_ps(row + k), w = _mm256_loadu_ps(row + k + 8);
    s0 = _mm256_add_pd(s0, st_ln_low(v));
    s1 = _mm256_add_pd(s1, st_ln_high(v));
    s2 = _mm256_add_pd(s2, st_ln_low(w));
    s3 = _mm256_add_pd(s3, st_ln_high(w));
  }
  if (k + 8 <= length) {
    const __m256 v = _mm256_loadu_ps(row + k);
    s0 = _mm256_add_pd(s0, st_ln_low(v));
    s1 = _mm256_add_pd(s1, st_ln_high(v));
    k += 8;
  }
  double sum = st_ln_sum_pd(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  for (; k < length; ++k) sum += row[k];
  return sum;
}

// Σ (row[k] - mean)², in double, with four accumulators as `st_ln_row_sum`.
ST_INLINE double st_ln_row_squares(const float *row, long length, double mean) {
  const __m256d m = _mm256_set1_pd(mean);
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
  long k = 0;
  for (; k + 16 <= length; k += 16) {
    const __m256 v = _mm256_loadu_ps(row + k), w = _mm256_loadu_ps(row + k + 8);
    const __m256d d0 = _mm256_sub_pd(st_ln_low(v), m), d1 = _mm256_sub_pd(st_ln_high(v), m);
    const __m256d d2 = _mm256_sub_pd(st_ln_low(w), m), d3 = _mm256_sub_pd(st_ln_high(w), m);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
    s2 = _mm256_fmadd_pd(d2, d2, s2);
    s3 = _mm256_fmadd_pd(d3, d3, s3);
  }
  if (k + 8 <= length) {
    const __m256 v = _mm256_loadu_ps(row + k);
    const __m256d d0 = _mm256_sub_pd(st_ln_low(v), m), d1 = _mm256_sub_pd(st_ln_high(v), m);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
    k += 8;
  }
  double sum = st_ln_sum_pd(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  for (; k < length; ++k) sum += ((double)row[k] - mean) * ((double)row[k] - mean);
  return sum;
}

ST_TARGET void swifttensor_layer_norm_forward_f32(const float *x, const float *weight,
                                                  const float *bias, long rows, long length,
                                                  double epsilon, float *y, float *mean,
                                                  float *rstd) {
  for (long r = 0; r < rows; ++r) {
    const float *row = x + r * length;
    float *out = y + r * length;
    const double m = length == 0 ? 0 : st_ln_row_sum(row, length) / (double)length;
    const double variance =
        length == 0 ? 0 : st_ln_row_squares(row, length, m) / (double)length;
    const double s = 1 / __builtin_sqrt(variance + epsilon);
    mean[r] = (float)m;
    rstd[r] = (float)s;
    // (x - m)·s·γ + β, not x·(s·γ) + (β - m·s·γ), which cancels when the mean is large.
    const float mf = (float)m, sf = (float)s;
    const __m256 mv = _mm256_set1_ps(mf), sv = _mm256_set1_ps(sf);
    long k = 0;
    for (; k + 8 <= length; k += 8) {
      __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + k), mv), sv);
      if (weight && bias)
        v = _mm256_fmadd_ps(v, _mm256_loadu_ps(weight + k), _mm256_loadu_ps(bias + k));
      else if (weight)
        v = _mm256_mul_ps(v, _mm256_loadu_ps(weight + k));
      _mm256_storeu_ps(out + k, v);
    }
    for (; k < length; ++k) {
      float v = (row[k] - mf) * sf;
      if (weight) v = v * weight[k] + (bias ? bias[k] : 0);
      out[k] = v;
    }
  }
}

// One row's first backward pass: returns Σ g and sets *projection to Σ g·x̂ (g = dy·γ,
// x̂ = (x - m)·s), adding dy·x̂ to weight_partial and dy to bias_partial.
ST_INLINE float st_ln_row_gradient_sums(const float *x, const float *dy, const float *weight,
                                        long length, float m, float s, float *weight_partial,
                                        float *bias_partial, float *projection) {
  const __m256 mv = _mm256_set1_ps(m), sv = _mm256_set1_ps(s);
  __m256 g = _mm256_setzero_ps(), p = _mm256_setzero_ps();
  long k = 0;
  for (; k + 8 <= length; k += 8) {
    const __m256 d = _mm256_loadu_ps(dy + k);
    const __m256 normalized = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + k), mv), sv);
    const __m256 scaled = weight ? _mm256_mul_ps(d, _mm256_loadu_ps(weight + k)) : d;
    g = _mm256_add_ps(g, scaled);
    p = _mm256_fmadd_ps(scaled, normalized, p);
    _mm256_storeu_ps(weight_partial + k,
                     _mm256_fmadd_ps(d, normalized, _mm256_loadu_ps(weight_partial + k)));
    _mm256_storeu_ps(bias_partial + k, _mm256_add_ps(d, _mm256_loadu_ps(bias_partial + k)));
  }
  float gradient = st_ln_sum_ps(g), projected = st_ln_sum_ps(p);
  for (; k < length; ++k) {
    const float normalized = (x[k] - m) * s, scaled = dy[k] * (weight ? weight[k] : 1);
    gradient += scaled;
    projected += scaled * normalized;
    weight_partial[k] += dy[k] * normalized;
    bias_partial[k] += dy[k];
  }
  *projection = projected;
  return gradient;
}

ST_TARGET void swifttensor_layer_norm_backward_f32(const float *x, const float *dy,
                                                   const float *weight, const float *mean,
                                                   const float *rstd, long rows, long length,
                                                   float *dx, int accumulate,
                                                   double *weight_sums, double *bias_sums,
                                                   float *partial) {
  float *weight_partial = partial, *bias_partial = partial + length;
  for (long k = 0; k < 2 * length; ++k) partial[k] = 0;
  for (long r = 0; r < rows; ++r) {
    const float *row = x + r * length, *d = dy + r * length;
    const float m = mean[r], s = rstd[r];
    float projection;
    const float gradient = st_ln_row_gradient_sums(row, d, weight, length, m, s,
                                                   weight_partial, bias_partial, &projection);
    if ((r + 1) % 32 == 0 || r + 1 == rows) {
      for (long k = 0; k < length; ++k) {
        weight_sums[k] += weight_partial[k];
        bias_sums[k] += bias_partial[k];
        weight_partial[k] = 0;
        bias_partial[k] = 0;
      }
    }
    if (!dx || length == 0) continue;
    // dx = s·(g - mean(g) - x̂·mean(g·x̂)), added to what dx holds with `accumulate`.
    const float mean_gradient = gradient / (float)length;
    const float mean_projection = projection / (float)length;
    const __m256 mv = _mm256_set1_ps(m), sv = _mm256_set1_ps(s);
    const __m256 gv = _mm256_set1_ps(mean_gradient), pv = _mm256_set1_ps(mean_projection);
    float *out = dx + r * length;
    long k = 0;
    for (; k + 8 <= length; k += 8) {
      const __m256 normalized = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + k), mv), sv);
      const __m256 dk = _mm256_loadu_ps(d + k);
      const __m256 scaled =
          weight ? _mm256_fmsub_ps(dk, _mm256_loadu_ps(weight + k), gv) : _mm256_sub_ps(dk, gv);
      __m256 v = _mm256_mul_ps(sv, _mm256_fnmadd_ps(normalized, pv, scaled));
      if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(out + k));
      _mm256_storeu_ps(out + k, v);
    }
    for (; k < length; ++k) {
      const float normalized = (row[k] - m) * s;
      const float v = s * (d[k] * (weight ? weight[k] : 1) - mean_gradient -
                           normalized * mean_projection);
      out[k] = accumulate ? out[k] + v : v;
    }
  }
}
#endif
