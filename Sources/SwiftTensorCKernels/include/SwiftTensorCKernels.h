#ifndef SWIFT_TENSOR_C_KERNELS_H
#define SWIFT_TENSOR_C_KERNELS_H

/// Nonzero when this CPU runs the AVX2+FMA micro-kernels of this target.
int swifttensor_has_avx2_fma(void);

#endif
