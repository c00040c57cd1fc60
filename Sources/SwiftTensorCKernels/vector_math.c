#include "SwiftTensorCKernels.h"
#include "vector_math_inline.h"

// The array loops over the building blocks in vector_math_inline.h.
#if defined(__x86_64__)

// MARK: - Array loops

// Two independent vectors per iteration give the out-of-order core two dependency chains to
// overlap (each function is one long chain). The tail is padded into a full vector with `pad`,
// exactly as the Swift loop does, so an element's result never depends on its position; masked
// loads and stores handle it without touching memory past the end (and without a memcpy call).
#define ST_ARRAY_LOOP(NAME, T, VEC, WIDTH, SUFFIX, FN, PAD)                             \
  ST_TARGET void NAME(const T *x, T *y, long count) {                                   \
    long i = 0;                                                                         \
    for (; i + 2 * (WIDTH) <= count; i += 2 * (WIDTH)) {                                \
      VEC v0 = FN(_mm256_loadu_##SUFFIX(x + i));                                        \
      VEC v1 = FN(_mm256_loadu_##SUFFIX(x + i + (WIDTH)));                              \
      _mm256_storeu_##SUFFIX(y + i, v0);                                                \
      _mm256_storeu_##SUFFIX(y + i + (WIDTH), v1);                                      \
    }                                                                                   \
    for (; i + (WIDTH) <= count; i += (WIDTH))                                          \
      _mm256_storeu_##SUFFIX(y + i, FN(_mm256_loadu_##SUFFIX(x + i)));                  \
    if (i < count) {                                                                    \
      __m256i mask = st_mask_##SUFFIX(count - i);                                       \
      VEC v = _mm256_blendv_##SUFFIX(_mm256_set1_##SUFFIX(PAD),                         \
                                     _mm256_maskload_##SUFFIX(x + i, mask),             \
                                     _mm256_castsi256_##SUFFIX(mask));                  \
      _mm256_maskstore_##SUFFIX(y + i, mask, FN(v));                                    \
    }                                                                                   \
  }

ST_ARRAY_LOOP(swifttensor_exp_f32, float, __m256, 8, ps, st_exp_ps, 0.0f)
ST_ARRAY_LOOP(swifttensor_log_f32, float, __m256, 8, ps, st_log_ps, 1.0f)
ST_ARRAY_LOOP(swifttensor_tanh_f32, float, __m256, 8, ps, st_tanh_ps, 0.0f)
ST_ARRAY_LOOP(swifttensor_sigmoid_f32, float, __m256, 8, ps, st_sigmoid_ps, 0.0f)
ST_ARRAY_LOOP(swifttensor_exp_f64, double, __m256d, 4, pd, st_exp_pd, 0.0)
ST_ARRAY_LOOP(swifttensor_log_f64, double, __m256d, 4, pd, st_log_pd, 1.0)
ST_ARRAY_LOOP(swifttensor_tanh_f64, double, __m256d, 4, pd, st_tanh_pd, 0.0)
ST_ARRAY_LOOP(swifttensor_sigmoid_f64, double, __m256d, 4, pd, st_sigmoid_pd, 0.0)
#endif
