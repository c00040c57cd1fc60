#include "SwiftTensorCKernels.h"

// The tanh GELU's value and derivative (activation_kernels.c) in 16-lane AVX-512 vectors, with
// the expm1 of vector_math_inline.h operation for operation, so both give the same bits. The
// computation is one long dependency chain per vector, which the out-of-order window covers
// only partly: with twice the lanes per instruction the same window covers twice the elements
// (Zen 4 runs each 512-bit operation in two halves, and this loop still ran 1.6-2x faster).
#if defined(__x86_64__)
#include <immintrin.h>

#define ST_TARGET512 __attribute__((target("avx512f")))
#define ST_INLINE512 static inline __attribute__((always_inline, target("avx512f")))

ST_INLINE512 __m512 st_reduce_512(__m512 x, __m512i *n) {
  const __m512 magic = _mm512_set1_ps(0x1.8p23f);
  __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.4426950408889634f), magic);
  __m512 nf = _mm512_sub_ps(shifted, magic);
  __m512 r = _mm512_fmadd_ps(nf, _mm512_set1_ps(-0.693359375f), x);
  r = _mm512_fmadd_ps(nf, _mm512_set1_ps(2.12194440e-4f), r);
  *n = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic));
  return r;
}

ST_INLINE512 __m512 st_expm1_reduced_512(__m512 r) {
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  return _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
}

// e^a - 1 for 0 <= a <= 20, as st_expm1_nonnegative_ps.
ST_INLINE512 __m512 st_expm1_nonnegative_512(__m512 a) {
  __m512i n;
  __m512 r = st_reduce_512(a, &n);
  __m512 s =
      _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
  return _mm512_fmadd_ps(s, st_expm1_reduced_512(r), _mm512_sub_ps(s, _mm512_set1_ps(1)));
}

// ST_GELU_LOOPS' `both` for float (activation_kernels.c), operation for operation.
ST_INLINE512 __m512 st_gelu_both_512(__m512 x, __m512 *slope) {
  const __m512 half = _mm512_set1_ps(0.5f);
  const __m512i signbit = _mm512_set1_epi32((int)0x80000000u);
  const __m512 xx = _mm512_mul_ps(x, x);
  const __m512 v = _mm512_mul_ps(
      x, _mm512_fmadd_ps(xx, _mm512_set1_ps((float)(1.5957691216057308 * 0.044715)),
                         _mm512_set1_ps((float)1.5957691216057308)));
  const __m512 a = _mm512_min_ps(
      _mm512_set1_ps(20),
      _mm512_castsi512_ps(_mm512_andnot_si512(signbit, _mm512_castps_si512(v))));
  const __m512 e = st_expm1_nonnegative_512(a);
  const __m512 t = _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(_mm512_div_ps(e, _mm512_add_ps(e, _mm512_set1_ps(2)))),
      _mm512_and_si512(_mm512_castps_si512(v), signbit)));
  const __m512 h = _mm512_mul_ps(x, half);
  const __m512 du = _mm512_fmadd_ps(xx, _mm512_set1_ps((float)(0.7978845608028654 * 3 * 0.044715)),
                                    _mm512_set1_ps((float)0.7978845608028654));
  const __m512 bend = _mm512_mul_ps(h, _mm512_fnmadd_ps(t, t, _mm512_set1_ps(1)));
  *slope = _mm512_fmadd_ps(bend, du, _mm512_fmadd_ps(t, half, half));
  return _mm512_fmadd_ps(h, t, h);
}

ST_TARGET512 void swifttensor_gelu_tanh_slope_f32_avx512(float *x, float *y, long count) {
  long i = 0;
  for (; i + 32 <= count; i += 32) {
    __m512 s0, s1;
    __m512 y0 = st_gelu_both_512(_mm512_loadu_ps(x + i), &s0);
    __m512 y1 = st_gelu_both_512(_mm512_loadu_ps(x + i + 16), &s1);
    _mm512_storeu_ps(y + i, y0);
    _mm512_storeu_ps(y + i + 16, y1);
    _mm512_storeu_ps(x + i, s0);
    _mm512_storeu_ps(x + i + 16, s1);
  }
  for (; i < count; i += 16) {
    const long rest = count - i < 16 ? count - i : 16;
    const __mmask16 mask = (__mmask16)((1u << rest) - 1);
    __m512 s0;
    __m512 y0 = st_gelu_both_512(_mm512_maskz_loadu_ps(mask, x + i), &s0);
    _mm512_mask_storeu_ps(y + i, mask, y0);
    _mm512_mask_storeu_ps(x + i, mask, s0);
  }
}
#endif
