// The AVX2+FMA building blocks of the vector math kernels (exp, log, tanh, sigmoid on one
// vector), shared by vector_math.c and recurrent_kernels.c. Private to the C target.
#ifndef SWIFTTENSOR_VECTOR_MATH_INLINE_H
#define SWIFTTENSOR_VECTOR_MATH_INLINE_H

// AVX2+FMA versions of the Swift kernels in SwiftTensor/Kernels/VectorMath+Float.swift and
// VectorMath+Double.swift: the same range reductions, polynomials, clamps and special-value
// handling, step for step, so the accuracy bounds that VectorMathTests state hold for both.
// The only difference is that every `multiplyAdd` is a fused multiply-add here (the Swift code on
// baseline x86_64 rounds the product first), which can only make a step more accurate.
//
// Like the GEMM micro-kernels they carry their own target attribute, so the package needs no
// build flags; the Swift side calls them only after `swifttensor_has_avx2_fma()`.
#if defined(__x86_64__)
#include <immintrin.h>

#define ST_TARGET __attribute__((target("avx2,fma")))
#define ST_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

// MARK: - Float building blocks

ST_INLINE __m256i st_bits_ps(__m256 x) { return _mm256_castps_si256(x); }
ST_INLINE __m256 st_float(__m256i b) { return _mm256_castsi256_ps(b); }

/// 2^n for n in -126...127 (no range check).
ST_INLINE __m256 st_pow2_ps(__m256i n) {
  return st_float(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

/// x = n * ln2 + r with |r| <= ln2 / 2: round with the 1.5 * 2^23 magic number (n lands in the
/// low significand bits of the sum), then subtract n * ln2 in two Cody-Waite steps.
ST_INLINE __m256 st_reduce_ps(__m256 x, __m256i *n) {
  const __m256 magic = _mm256_set1_ps(0x1.8p23f);
  __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.4426950408889634f), magic);
  __m256 nf = _mm256_sub_ps(shifted, magic);
  __m256 r = _mm256_fmadd_ps(nf, _mm256_set1_ps(-0.693359375f), x);
  r = _mm256_fmadd_ps(nf, _mm256_set1_ps(2.12194440e-4f), r);
  *n = _mm256_sub_epi32(st_bits_ps(shifted), st_bits_ps(magic));
  return r;
}

/// e^r - 1 for |r| <= ln2 / 2 as r + r^2 P(r) (Cephes' expf polynomial).
ST_INLINE __m256 st_expm1_reduced_ps(__m256 r) {
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  return _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
}

/// e^y - 1 for 0 <= y <= ~20 as 2^n (e^r - 1) + (2^n - 1), exact in form for n = 0.
ST_INLINE __m256 st_expm1_nonnegative_ps(__m256 y) {
  __m256i n;
  __m256 r = st_reduce_ps(y, &n);
  __m256 s = st_pow2_ps(n);
  return _mm256_fmadd_ps(s, st_expm1_reduced_ps(r), _mm256_sub_ps(s, _mm256_set1_ps(1)));
}

// MARK: - Float functions

ST_INLINE __m256 st_exp_ps(__m256 x) {
  // min/max return their second operand when either is NaN, so with the constant first NaN
  // passes through, as with the Swift `replacing(with:where:)` clamps.
  x = _mm256_min_ps(_mm256_set1_ps(89), x);
  x = _mm256_max_ps(_mm256_set1_ps(-105), x);
  __m256i n;
  __m256 r = st_reduce_ps(x, &n);
  __m256 p = _mm256_add_ps(st_expm1_reduced_ps(r), _mm256_set1_ps(1));
  // Two normal scale factors reach the subnormal range and 2^128 with one final rounding.
  __m256i n1 = _mm256_srai_epi32(n, 1);
  return _mm256_mul_ps(_mm256_mul_ps(p, st_pow2_ps(n1)), st_pow2_ps(_mm256_sub_epi32(n, n1)));
}

ST_INLINE __m256 st_log_ps(__m256 x) {
  // Subnormals are scaled by 2^25 so their exponent field means something.
  __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(0x1p-126f), _CMP_LT_OQ);
  __m256 scaled = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(0x1p25f)), tiny);
  // Significand re-centred on [sqrt(1/2), sqrt(2)) with integer operations (musl's logf).
  __m256i b = _mm256_add_epi32(st_bits_ps(scaled), _mm256_set1_epi32(0x3F800000 - 0x3F3504F3));
  __m256i eb = _mm256_or_si256(
      _mm256_and_si256(_mm256_srai_epi32(b, 23), _mm256_set1_epi32(0x1FF)),
      _mm256_set1_epi32(0x4B000000));
  __m256 e = _mm256_sub_ps(st_float(eb), _mm256_set1_ps(0x1p23f + 127));
  e = _mm256_blendv_ps(e, _mm256_sub_ps(e, _mm256_set1_ps(25)), tiny);
  __m256i mb = _mm256_add_epi32(
      _mm256_and_si256(b, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F3504F3));
  __m256 f = _mm256_sub_ps(st_float(mb), _mm256_set1_ps(1));
  __m256 s = _mm256_div_ps(f, _mm256_add_ps(_mm256_set1_ps(2), f));
  __m256 z = _mm256_mul_ps(s, s);
  __m256 w = _mm256_mul_ps(z, z);
  __m256 t1 = _mm256_mul_ps(
      w, _mm256_fmadd_ps(w, _mm256_set1_ps(0xf89e26.0p-26f), _mm256_set1_ps(0xccce13.0p-25f)));
  __m256 t2 = _mm256_mul_ps(
      z, _mm256_fmadd_ps(w, _mm256_set1_ps(0x91e9ee.0p-25f), _mm256_set1_ps(0xaaaaaa.0p-24f)));
  __m256 hfsq = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), f), f);
  __m256 tail = _mm256_fmadd_ps(
      s, _mm256_add_ps(hfsq, _mm256_add_ps(t2, t1)),
      _mm256_mul_ps(e, _mm256_set1_ps(9.0580006145e-06f)));
  __m256 result = _mm256_fmadd_ps(
      e, _mm256_set1_ps(6.9313812256e-01f), _mm256_add_ps(_mm256_sub_ps(tail, hfsq), f));
  __m256 zero = _mm256_setzero_ps();
  result = _mm256_blendv_ps(
      result, _mm256_set1_ps(-__builtin_inff()), _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
  result = _mm256_blendv_ps(result, _mm256_set1_ps(__builtin_nanf("")),
                            _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
  // +infinity and NaN are their own logarithm (NLT_UQ: not less than, true for NaN).
  return _mm256_blendv_ps(
      result, x, _mm256_cmp_ps(x, _mm256_set1_ps(__builtin_inff()), _CMP_NLT_UQ));
}

ST_INLINE __m256 st_tanh_ps(__m256 x) {
  __m256 signbit = _mm256_set1_ps(-0.0f);
  __m256 sign = _mm256_and_ps(x, signbit);
  __m256 a = _mm256_andnot_ps(signbit, x);
  a = _mm256_min_ps(_mm256_set1_ps(10), a);  // NaN passes (see st_exp_ps)
  // tanh|x| = t / (t + 2), t = expm1(2|x|): no cancellation for small |x|.
  __m256 t = st_expm1_nonnegative_ps(_mm256_add_ps(a, a));
  return _mm256_or_ps(_mm256_div_ps(t, _mm256_add_ps(t, _mm256_set1_ps(2))), sign);
}

ST_INLINE __m256 st_sigmoid_ps(__m256 x) {
  // e^-|x| never overflows; for x < 0 the result is e / (1 + e), accurate into subnormals.
  __m256 e = st_exp_ps(_mm256_or_ps(x, _mm256_set1_ps(-0.0f)));
  __m256 d = _mm256_div_ps(_mm256_set1_ps(1), _mm256_add_ps(_mm256_set1_ps(1), e));
  return _mm256_blendv_ps(
      d, _mm256_mul_ps(e, d), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

// MARK: - Double building blocks

ST_INLINE __m256i st_bits_pd(__m256d x) { return _mm256_castpd_si256(x); }
ST_INLINE __m256d st_double(__m256i b) { return _mm256_castsi256_pd(b); }

/// 2^n for n in -1022...1023 (no range check).
ST_INLINE __m256d st_pow2_pd(__m256i n) {
  return st_double(_mm256_slli_epi64(_mm256_add_epi64(n, _mm256_set1_epi64x(1023)), 52));
}

/// x = n * ln2 + r with |r| <= ln2 / 2, as for Float with the 1.5 * 2^52 magic number and
/// fdlibm's ln 2 split.
ST_INLINE __m256d st_reduce_pd(__m256d x, __m256i *n) {
  const __m256d magic = _mm256_set1_pd(0x1.8p52);
  __m256d shifted = _mm256_fmadd_pd(x, _mm256_set1_pd(1.4426950408889634074), magic);
  __m256d nf = _mm256_sub_pd(shifted, magic);
  __m256d r = _mm256_fmadd_pd(nf, _mm256_set1_pd(-6.93147180369123816490e-01), x);
  r = _mm256_fmadd_pd(nf, _mm256_set1_pd(-1.90821492927058770002e-10), r);
  *n = _mm256_sub_epi64(st_bits_pd(shifted), st_bits_pd(magic));
  return r;
}

/// e^r - 1 for |r| <= ln2 / 2: the Taylor series to degree 13, as r + r^2 P(r).
ST_INLINE __m256d st_expm1_reduced_pd(__m256d r) {
  __m256d p = _mm256_set1_pd(1.6059043836821613e-10);
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.08767569878681e-09));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.505210838544172e-08));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.755731922398589e-07));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.7557319223985893e-06));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.48015873015873e-05));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.984126984126984e-04));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.388888888888889e-03));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(8.333333333333333e-03));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(4.1666666666666664e-02));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.6666666666666666e-01));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.5));
  return _mm256_fmadd_pd(p, _mm256_mul_pd(r, r), r);
}

/// e^y - 1 for 0 <= y <= ~40.
ST_INLINE __m256d st_expm1_nonnegative_pd(__m256d y) {
  __m256i n;
  __m256d r = st_reduce_pd(y, &n);
  __m256d s = st_pow2_pd(n);
  return _mm256_fmadd_pd(s, st_expm1_reduced_pd(r), _mm256_sub_pd(s, _mm256_set1_pd(1)));
}

// MARK: - Double functions

ST_INLINE __m256d st_exp_pd(__m256d x) {
  x = _mm256_min_pd(_mm256_set1_pd(710), x);  // NaN passes (see st_exp_ps)
  x = _mm256_max_pd(_mm256_set1_pd(-746), x);
  __m256i n;
  __m256d r = st_reduce_pd(x, &n);
  __m256d p = _mm256_add_pd(st_expm1_reduced_pd(r), _mm256_set1_pd(1));
  // AVX2 has no 64-bit arithmetic shift. n is a sign-extended value in -1077...1025, so the
  // high 32 bits of each lane are all zeros or all ones, which a 32-bit arithmetic shift
  // leaves alone, and the low 32 bits hold n itself: the 32-bit shift gives n >> 1 exactly.
  // (For NaN input n is meaningless, but p is NaN and so is the product.)
  __m256i n1 = _mm256_srai_epi32(n, 1);
  return _mm256_mul_pd(_mm256_mul_pd(p, st_pow2_pd(n1)), st_pow2_pd(_mm256_sub_epi64(n, n1)));
}

ST_INLINE __m256d st_log_pd(__m256d x) {
  __m256d tiny = _mm256_cmp_pd(x, _mm256_set1_pd(0x1p-1022), _CMP_LT_OQ);
  __m256d scaled = _mm256_blendv_pd(x, _mm256_mul_pd(x, _mm256_set1_pd(0x1p54)), tiny);
  __m256i b = st_bits_pd(scaled);
  __m256i kb = _mm256_or_si256(
      _mm256_and_si256(_mm256_srli_epi64(b, 52), _mm256_set1_epi64x(0x7FF)),
      _mm256_set1_epi64x(0x4330000000000000LL));
  __m256d k = _mm256_sub_pd(st_double(kb), _mm256_set1_pd(0x1p52 + 1022));
  k = _mm256_blendv_pd(k, _mm256_sub_pd(k, _mm256_set1_pd(54)), tiny);
  __m256d m = st_double(_mm256_or_si256(
      _mm256_and_si256(b, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
      _mm256_set1_epi64x(0x3FE0000000000000LL)));
  __m256d low = _mm256_cmp_pd(m, _mm256_set1_pd(0.7071067811865475244), _CMP_LT_OQ);
  __m256d f = _mm256_sub_pd(_mm256_blendv_pd(m, _mm256_add_pd(m, m), low), _mm256_set1_pd(1));
  k = _mm256_blendv_pd(k, _mm256_sub_pd(k, _mm256_set1_pd(1)), low);
  __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2), f));
  __m256d z = _mm256_mul_pd(s, s);
  __m256d w = _mm256_mul_pd(z, z);
  __m256d t1 = _mm256_set1_pd(1.531383769920937332e-01);
  t1 = _mm256_fmadd_pd(t1, w, _mm256_set1_pd(2.222219843214978396e-01));
  t1 = _mm256_fmadd_pd(t1, w, _mm256_set1_pd(3.999999999940941908e-01));
  __m256d t2 = _mm256_set1_pd(1.479819860511658591e-01);
  t2 = _mm256_fmadd_pd(t2, w, _mm256_set1_pd(1.818357216161805012e-01));
  t2 = _mm256_fmadd_pd(t2, w, _mm256_set1_pd(2.857142874366239149e-01));
  t2 = _mm256_fmadd_pd(t2, w, _mm256_set1_pd(6.666666666666735130e-01));
  __m256d rr = _mm256_fmadd_pd(t1, w, _mm256_mul_pd(t2, z));
  __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(f, f), _mm256_set1_pd(0.5));
  __m256d tail = _mm256_fmadd_pd(
      s, _mm256_add_pd(hfsq, rr), _mm256_mul_pd(k, _mm256_set1_pd(1.90821492927058770002e-10)));
  __m256d result = _mm256_fmadd_pd(
      k, _mm256_set1_pd(6.93147180369123816490e-01), _mm256_sub_pd(f, _mm256_sub_pd(hfsq, tail)));
  __m256d zero = _mm256_setzero_pd();
  result = _mm256_blendv_pd(
      result, _mm256_set1_pd(-__builtin_inf()), _mm256_cmp_pd(x, zero, _CMP_EQ_OQ));
  result = _mm256_blendv_pd(
      result, _mm256_set1_pd(__builtin_nan("")), _mm256_cmp_pd(x, zero, _CMP_LT_OQ));
  return _mm256_blendv_pd(
      result, x, _mm256_cmp_pd(x, _mm256_set1_pd(__builtin_inf()), _CMP_NLT_UQ));
}

ST_INLINE __m256d st_tanh_pd(__m256d x) {
  __m256d signbit = _mm256_set1_pd(-0.0);
  __m256d sign = _mm256_and_pd(x, signbit);
  __m256d a = _mm256_andnot_pd(signbit, x);
  a = _mm256_min_pd(_mm256_set1_pd(20), a);  // NaN passes (see st_exp_ps)
  __m256d t = st_expm1_nonnegative_pd(_mm256_add_pd(a, a));
  return _mm256_or_pd(_mm256_div_pd(t, _mm256_add_pd(t, _mm256_set1_pd(2))), sign);
}

ST_INLINE __m256d st_sigmoid_pd(__m256d x) {
  __m256d e = st_exp_pd(_mm256_or_pd(x, _mm256_set1_pd(-0.0)));
  __m256d d = _mm256_div_pd(_mm256_set1_pd(1), _mm256_add_pd(_mm256_set1_pd(1), e));
  return _mm256_blendv_pd(
      d, _mm256_mul_pd(e, d), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ));
}
// MARK: - Masks for the tails of rows

/// Lanes `0..<rest` of a mask for 32-bit lanes (`rest` in 1...7).
ST_INLINE __m256i st_mask_ps(long rest) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Lanes `0..<rest` of a mask for 64-bit lanes (`rest` in 1...3).
ST_INLINE __m256i st_mask_pd(long rest) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(rest), _mm256_setr_epi64x(0, 1, 2, 3));
}
#endif  // __x86_64__
#endif  // SWIFTTENSOR_VECTOR_MATH_INLINE_H
