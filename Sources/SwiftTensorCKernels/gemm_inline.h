// What the float GEMM micro-kernels of gemm_kernels.c and gemm_kernels_avx512.c share. Private
// to the C target.
#ifndef SWIFTTENSOR_GEMM_INLINE_H
#define SWIFTTENSOR_GEMM_INLINE_H
#if defined(__x86_64__)
#include <immintrin.h>

// The line at depth `p` of each of the six rows of A at `next` (row stride `lda`) into L1:
// a tile that reads A in place calls it every 16 steps for the tile it computes next.
#define ST_PREFETCH_ROWS(next, lda, p)                                       \
  do {                                                                       \
    for (int row = 0; row < 6; ++row)                                        \
      _mm_prefetch((const char *)((next) + row * (lda) + (p)), _MM_HINT_T0); \
  } while (0)

#endif
#endif
