#include "SwiftTensorCKernels.h"
#include "vector_math_inline.h"

// GPT-2's tanh GELU and its derivative over arrays, on the expm1 of vector_math_inline.h: the
// activation of a transformer's MLP, run on the widest tensors of its step.
#if defined(__x86_64__)

// In the form with the fewest vector operations (the loops are bound by them): 2u =
// x(k1 + k2x²) with k1 = 2√(2/π), k2 = 0.044715k1, and tanh u = e/(e + 2), e = expm1(|2u|)
// (|2u| clamped at CLAMP, past which tanh is ±1 in T; NaN passes), signed as u. Then the value
// h + h·t and the slope (1 + t)/2 + h(1 - t²)u' with h = x/2, u' = (k1 + 3k2x²)/2.
#define ST_GELU_LOOPS(T, VEC, WIDTH, SUFFIX, EXPM1, CLAMP, NAME, BACKWARD, SLOPE)                \
  /* The value, and the slope into `*slope` (what is not used of it is optimised away). */ \
  ST_INLINE VEC NAME##_both(VEC x, VEC *slope) {                                          \
    const VEC half = _mm256_set1_##SUFFIX((T)0.5), signbit = _mm256_set1_##SUFFIX((T)-0.0); \
    const VEC xx = _mm256_mul_##SUFFIX(x, x);                                             \
    const VEC v = _mm256_mul_##SUFFIX(                                                    \
        x, _mm256_fmadd_##SUFFIX(xx, _mm256_set1_##SUFFIX((T)(1.5957691216057308 * 0.044715)), \
                                 _mm256_set1_##SUFFIX((T)1.5957691216057308)));           \
    const VEC a = _mm256_min_##SUFFIX(_mm256_set1_##SUFFIX((T)(CLAMP)),                   \
                                      _mm256_andnot_##SUFFIX(signbit, v));                \
    const VEC e = EXPM1(a);                                                               \
    const VEC t = _mm256_or_##SUFFIX(                                                     \
        _mm256_div_##SUFFIX(e, _mm256_add_##SUFFIX(e, _mm256_set1_##SUFFIX((T)2))),       \
        _mm256_and_##SUFFIX(v, signbit));                                                 \
    const VEC h = _mm256_mul_##SUFFIX(x, half);                                           \
    const VEC du = _mm256_fmadd_##SUFFIX(                                                 \
        xx, _mm256_set1_##SUFFIX((T)(0.7978845608028654 * 3 * 0.044715)),                \
        _mm256_set1_##SUFFIX((T)0.7978845608028654));                                     \
    const VEC bend = _mm256_mul_##SUFFIX(                                                 \
        h, _mm256_fnmadd_##SUFFIX(t, t, _mm256_set1_##SUFFIX((T)1)));                     \
    *slope = _mm256_fmadd_##SUFFIX(bend, du, _mm256_fmadd_##SUFFIX(t, half, half));       \
    return _mm256_fmadd_##SUFFIX(h, t, h);                                                \
  }                                                                                       \
  ST_INLINE VEC NAME##_value(VEC x) {                                                     \
    VEC unused;                                                                           \
    return NAME##_both(x, &unused);                                                       \
  }                                                                                       \
  ST_INLINE VEC NAME##_slope(VEC x, VEC dy) {                                             \
    VEC slope;                                                                            \
    (void)NAME##_both(x, &slope);                                                         \
    return _mm256_mul_##SUFFIX(dy, slope);                                                \
  }                                                                                       \
  /* Two vectors per step: each is a long dependency chain, and two side by side keep */  \
  /* more of the core busy. */                                                            \
  ST_TARGET void SLOPE(T *x, T *y, long count) {                                          \
    long i = 0;                                                                           \
    for (; i + 2 * (WIDTH) <= count; i += 2 * (WIDTH)) {                                  \
      VEC s0, s1;                                                                         \
      VEC y0 = NAME##_both(_mm256_loadu_##SUFFIX(x + i), &s0);                            \
      VEC y1 = NAME##_both(_mm256_loadu_##SUFFIX(x + i + (WIDTH)), &s1);                  \
      _mm256_storeu_##SUFFIX(y + i, y0);                                                  \
      _mm256_storeu_##SUFFIX(y + i + (WIDTH), y1);                                        \
      _mm256_storeu_##SUFFIX(x + i, s0);                                                  \
      _mm256_storeu_##SUFFIX(x + i + (WIDTH), s1);                                        \
    }                                                                                     \
    for (; i < count; i += (WIDTH)) {                                                     \
      const long rest = count - i < (WIDTH) ? count - i : (WIDTH);                        \
      __m256i mask = st_mask_##SUFFIX(rest);                                              \
      VEC s0;                                                                             \
      VEC y0 = NAME##_both(_mm256_maskload_##SUFFIX(x + i, mask), &s0);                   \
      _mm256_maskstore_##SUFFIX(y + i, mask, y0);                                         \
      _mm256_maskstore_##SUFFIX(x + i, mask, s0);                                         \
    }                                                                                     \
  }                                                                                       \
  ST_TARGET void NAME(const T *x, T *y, long count) {                                     \
    long i = 0;                                                                           \
    for (; i + (WIDTH) <= count; i += (WIDTH))                                            \
      _mm256_storeu_##SUFFIX(y + i, NAME##_value(_mm256_loadu_##SUFFIX(x + i)));          \
    if (i < count) {                                                                      \
      __m256i mask = st_mask_##SUFFIX(count - i);                                         \
      VEC v = _mm256_maskload_##SUFFIX(x + i, mask);                                      \
      _mm256_maskstore_##SUFFIX(y + i, mask, NAME##_value(v));                            \
    }                                                                                     \
  }                                                                                       \
  ST_TARGET void BACKWARD(const T *x, const T *dy, T *dx, long count) {                   \
    long i = 0;                                                                           \
    for (; i + (WIDTH) <= count; i += (WIDTH))                                            \
      _mm256_storeu_##SUFFIX(                                                             \
          dx + i, NAME##_slope(_mm256_loadu_##SUFFIX(x + i), _mm256_loadu_##SUFFIX(dy + i))); \
    if (i < count) {                                                                      \
      __m256i mask = st_mask_##SUFFIX(count - i);                                         \
      VEC v = _mm256_maskload_##SUFFIX(x + i, mask);                                      \
      VEC g = _mm256_maskload_##SUFFIX(dy + i, mask);                                     \
      _mm256_maskstore_##SUFFIX(dx + i, mask, NAME##_slope(v, g));                        \
    }                                                                                     \
  }

ST_GELU_LOOPS(float, __m256, 8, ps, st_expm1_nonnegative_ps, 20, swifttensor_gelu_tanh_f32,
              swifttensor_gelu_tanh_backward_f32, swifttensor_gelu_tanh_slope_f32)
ST_GELU_LOOPS(double, __m256d, 4, pd, st_expm1_nonnegative_pd, 40, swifttensor_gelu_tanh_f64,
              swifttensor_gelu_tanh_backward_f64, swifttensor_gelu_tanh_slope_f64)
#endif
