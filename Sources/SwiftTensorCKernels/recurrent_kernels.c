#include "SwiftTensorCKernels.h"
#include "vector_math_inline.h"

// AVX2+FMA versions of the recurrent step kernels in SwiftTensor/Kernels/RecurrentKernels.swift
// (LSTM, GRU, RNN): the same formulas, vector by vector along each row, with a row's tail loaded
// as zeros and stored through a mask. The Swift versions (SSE2 on baseline x86_64) spent about
// 16% of the character-LSTM benchmark in the gate math.
#if defined(__x86_64__)

// One type's pair of kernels. T: scalar; V: vector; W: lanes; S: intrinsic suffix; F: name
// suffix; SIGMOID and TANH: the building blocks of vector_math_inline.h.
#define ST_LSTM_KERNELS(T, V, W, S, F, SIGMOID, TANH)                                           \
  ST_INLINE V st_load_##F(const T *p, long n, __m256i mask) {                                   \
    return n == (W) ? _mm256_loadu_##S(p) : _mm256_maskload_##S(p, mask);                      \
  }                                                                                             \
  ST_INLINE void st_store_##F(T *p, V v, long n, __m256i mask) {                                \
    if (n == (W)) {                                                                             \
      _mm256_storeu_##S(p, v);                                                                  \
    } else {                                                                                    \
      _mm256_maskstore_##S(p, mask, v);                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  ST_TARGET void swifttensor_lstm_forward_##F(                                                  \
      long rows, long hidden, T *gates, long gates_stride, const T *bias,                       \
      const T *previous_cell, long previous_cell_stride, T *cell, long cell_stride, T *output,  \
      long output_stride) {                                                                     \
    const long h = hidden;                                                                      \
    for (long row = 0; row < rows; row++) {                                                     \
      T *a = gates + row * gates_stride;                                                        \
      const T *pc = previous_cell + row * previous_cell_stride;                                 \
      T *c_out = cell + row * cell_stride;                                                      \
      T *h_out = output + row * output_stride;                                                  \
      for (long j = 0; j < h; j += (W)) {                                                       \
        long n = h - j < (W) ? h - j : (W);                                                     \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V i = SIGMOID(_mm256_add_##S(st_load_##F(a + j, n, mask),                               \
                                     st_load_##F(bias + j, n, mask)));                          \
        V f = SIGMOID(_mm256_add_##S(st_load_##F(a + h + j, n, mask),                           \
                                     st_load_##F(bias + h + j, n, mask)));                      \
        V g = TANH(_mm256_add_##S(st_load_##F(a + 2 * h + j, n, mask),                          \
                                  st_load_##F(bias + 2 * h + j, n, mask)));                     \
        V o = SIGMOID(_mm256_add_##S(st_load_##F(a + 3 * h + j, n, mask),                       \
                                     st_load_##F(bias + 3 * h + j, n, mask)));                  \
        V c = _mm256_fmadd_##S(f, st_load_##F(pc + j, n, mask), _mm256_mul_##S(i, g));          \
        st_store_##F(a + j, i, n, mask);                                                        \
        st_store_##F(a + h + j, f, n, mask);                                                    \
        st_store_##F(a + 2 * h + j, g, n, mask);                                                \
        st_store_##F(a + 3 * h + j, o, n, mask);                                                \
        st_store_##F(c_out + j, c, n, mask);                                                    \
        st_store_##F(h_out + j, _mm256_mul_##S(o, TANH(c)), n, mask);                           \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  ST_TARGET void swifttensor_lstm_backward_##F(                                                 \
      long rows, long hidden, const T *gates, long gates_stride, const T *previous_cell,        \
      long previous_cell_stride, const T *cell, long cell_stride, const T *output_gradient,     \
      long output_gradient_stride, const T *hidden_gradient, long hidden_gradient_stride,       \
      T *cell_gradient, long cell_gradient_stride, T *gate_gradients,                           \
      long gate_gradients_stride) {                                                             \
    const long h = hidden;                                                                      \
    const V one = _mm256_set1_##S(1);                                                           \
    for (long row = 0; row < rows; row++) {                                                     \
      const T *a = gates + row * gates_stride;                                                  \
      const T *pc = previous_cell + row * previous_cell_stride;                                 \
      const T *c_row = cell + row * cell_stride;                                                \
      const T *dh_row = hidden_gradient + row * hidden_gradient_stride;                         \
      const T *dy_row = output_gradient ? output_gradient + row * output_gradient_stride : 0;   \
      T *dc_row = cell_gradient + row * cell_gradient_stride;                                   \
      T *da = gate_gradients + row * gate_gradients_stride;                                     \
      for (long j = 0; j < h; j += (W)) {                                                       \
        long n = h - j < (W) ? h - j : (W);                                                     \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V dh = st_load_##F(dh_row + j, n, mask);                                                \
        if (dy_row) dh = _mm256_add_##S(dh, st_load_##F(dy_row + j, n, mask));                  \
        V i = st_load_##F(a + j, n, mask);                                                      \
        V f = st_load_##F(a + h + j, n, mask);                                                  \
        V g = st_load_##F(a + 2 * h + j, n, mask);                                              \
        V o = st_load_##F(a + 3 * h + j, n, mask);                                              \
        V tc = TANH(st_load_##F(c_row + j, n, mask));                                           \
        V dc = _mm256_fmadd_##S(_mm256_mul_##S(dh, o), _mm256_fnmadd_##S(tc, tc, one),          \
                                st_load_##F(dc_row + j, n, mask));                              \
        V di = _mm256_mul_##S(_mm256_mul_##S(dc, g), _mm256_mul_##S(i, _mm256_sub_##S(one, i))); \
        V df = _mm256_mul_##S(_mm256_mul_##S(dc, st_load_##F(pc + j, n, mask)),                 \
                              _mm256_mul_##S(f, _mm256_sub_##S(one, f)));                       \
        V dg = _mm256_mul_##S(_mm256_mul_##S(dc, i), _mm256_fnmadd_##S(g, g, one));             \
        V d_o = _mm256_mul_##S(_mm256_mul_##S(dh, tc), _mm256_mul_##S(o, _mm256_sub_##S(one, o))); \
        st_store_##F(da + j, di, n, mask);                                                      \
        st_store_##F(da + h + j, df, n, mask);                                                  \
        st_store_##F(da + 2 * h + j, dg, n, mask);                                              \
        st_store_##F(da + 3 * h + j, d_o, n, mask);                                             \
        st_store_##F(dc_row + j, _mm256_mul_##S(dc, f), n, mask);                               \
      }                                                                                         \
    }                                                                                           \
  }

// The GRU and RNN kernels of one type; uses the loads and stores of ST_LSTM_KERNELS.
#define ST_GRU_RNN_KERNELS(T, V, W, S, F, SIGMOID, TANH)                                        \
  ST_TARGET void swifttensor_gru_forward_##F(                                                   \
      long rows, long hidden, T *gates, long gates_stride, const T *bias,                       \
      const T *hidden_gates, long hidden_gates_stride, const T *previous_hidden,                \
      long previous_hidden_stride, T *output, long output_stride) {                             \
    const long h = hidden;                                                                      \
    const V one = _mm256_set1_##S(1);                                                           \
    for (long row = 0; row < rows; row++) {                                                     \
      T *a = gates + row * gates_stride;                                                        \
      const T *ah = hidden_gates + row * hidden_gates_stride;                                   \
      const T *ph = previous_hidden + row * previous_hidden_stride;                             \
      T *h_out = output + row * output_stride;                                                  \
      for (long j = 0; j < h; j += (W)) {                                                       \
        long n = h - j < (W) ? h - j : (W);                                                     \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V r = SIGMOID(_mm256_add_##S(                                                           \
            _mm256_add_##S(st_load_##F(a + j, n, mask), st_load_##F(bias + j, n, mask)),        \
            st_load_##F(ah + j, n, mask)));                                                     \
        V z = SIGMOID(_mm256_add_##S(_mm256_add_##S(st_load_##F(a + h + j, n, mask),            \
                                                    st_load_##F(bias + h + j, n, mask)),        \
                                     st_load_##F(ah + h + j, n, mask)));                        \
        V c = TANH(_mm256_fmadd_##S(                                                            \
            r, st_load_##F(ah + 2 * h + j, n, mask),                                            \
            _mm256_add_##S(st_load_##F(a + 2 * h + j, n, mask),                                 \
                           st_load_##F(bias + 2 * h + j, n, mask))));                           \
        V previous = st_load_##F(ph + j, n, mask);                                              \
        st_store_##F(a + j, r, n, mask);                                                        \
        st_store_##F(a + h + j, z, n, mask);                                                    \
        st_store_##F(a + 2 * h + j, c, n, mask);                                                \
        st_store_##F(h_out + j,                                                                 \
                     _mm256_fmadd_##S(_mm256_sub_##S(one, z), c, _mm256_mul_##S(z, previous)), \
                     n, mask);                                                                  \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  ST_TARGET void swifttensor_gru_backward_##F(                                                  \
      long rows, long hidden, const T *gates, long gates_stride, const T *hidden_gates,         \
      long hidden_gates_stride, const T *previous_hidden, long previous_hidden_stride,          \
      const T *output_gradient, long output_gradient_stride, T *hidden_gradient,                \
      long hidden_gradient_stride, T *gate_gradients, long gate_gradients_stride,               \
      T *hidden_gate_gradients, long hidden_gate_gradients_stride) {                            \
    const long h = hidden;                                                                      \
    const V one = _mm256_set1_##S(1);                                                           \
    for (long row = 0; row < rows; row++) {                                                     \
      const T *a = gates + row * gates_stride;                                                  \
      const T *ah = hidden_gates + row * hidden_gates_stride;                                   \
      const T *ph = previous_hidden + row * previous_hidden_stride;                             \
      const T *dy_row = output_gradient ? output_gradient + row * output_gradient_stride : 0;   \
      T *dh_row = hidden_gradient + row * hidden_gradient_stride;                               \
      T *da = gate_gradients + row * gate_gradients_stride;                                     \
      T *dah = hidden_gate_gradients + row * hidden_gate_gradients_stride;                      \
      for (long j = 0; j < h; j += (W)) {                                                       \
        long n = h - j < (W) ? h - j : (W);                                                     \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V dh = st_load_##F(dh_row + j, n, mask);                                                \
        if (dy_row) dh = _mm256_add_##S(dh, st_load_##F(dy_row + j, n, mask));                  \
        V r = st_load_##F(a + j, n, mask);                                                      \
        V z = st_load_##F(a + h + j, n, mask);                                                  \
        V c = st_load_##F(a + 2 * h + j, n, mask);                                              \
        V previous = st_load_##F(ph + j, n, mask);                                              \
        V dc = _mm256_mul_##S(_mm256_mul_##S(dh, _mm256_sub_##S(one, z)),                       \
                              _mm256_fnmadd_##S(c, c, one));                                    \
        V dr = _mm256_mul_##S(_mm256_mul_##S(dc, st_load_##F(ah + 2 * h + j, n, mask)),         \
                              _mm256_mul_##S(r, _mm256_sub_##S(one, r)));                       \
        V dz = _mm256_mul_##S(_mm256_mul_##S(dh, _mm256_sub_##S(previous, c)),                  \
                              _mm256_mul_##S(z, _mm256_sub_##S(one, z)));                       \
        st_store_##F(da + j, dr, n, mask);                                                      \
        st_store_##F(da + h + j, dz, n, mask);                                                  \
        st_store_##F(da + 2 * h + j, dc, n, mask);                                              \
        st_store_##F(dah + j, dr, n, mask);                                                     \
        st_store_##F(dah + h + j, dz, n, mask);                                                 \
        st_store_##F(dah + 2 * h + j, _mm256_mul_##S(dc, r), n, mask);                          \
        st_store_##F(dh_row + j, _mm256_mul_##S(dh, z), n, mask);                               \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  ST_TARGET void swifttensor_rnn_forward_##F(long rows, long hidden, T *gates, long gates_stride, \
                                             const T *bias, T *output, long output_stride) {    \
    for (long row = 0; row < rows; row++) {                                                     \
      T *a = gates + row * gates_stride;                                                        \
      T *h_out = output + row * output_stride;                                                  \
      for (long j = 0; j < hidden; j += (W)) {                                                  \
        long n = hidden - j < (W) ? hidden - j : (W);                                           \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V v = TANH(_mm256_add_##S(st_load_##F(a + j, n, mask), st_load_##F(bias + j, n, mask))); \
        st_store_##F(a + j, v, n, mask);                                                        \
        st_store_##F(h_out + j, v, n, mask);                                                    \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
                                                                                                \
  ST_TARGET void swifttensor_rnn_backward_##F(                                                  \
      long rows, long hidden, const T *output, long output_stride, const T *output_gradient,    \
      long output_gradient_stride, const T *hidden_gradient, long hidden_gradient_stride,       \
      T *gate_gradients, long gate_gradients_stride) {                                          \
    const V one = _mm256_set1_##S(1);                                                           \
    for (long row = 0; row < rows; row++) {                                                     \
      const T *y_row = output + row * output_stride;                                            \
      const T *dy_row = output_gradient ? output_gradient + row * output_gradient_stride : 0;   \
      const T *dh_row = hidden_gradient + row * hidden_gradient_stride;                         \
      T *da = gate_gradients + row * gate_gradients_stride;                                     \
      for (long j = 0; j < hidden; j += (W)) {                                                  \
        long n = hidden - j < (W) ? hidden - j : (W);                                           \
        __m256i mask = n == (W) ? _mm256_set1_epi32(-1) : st_mask_##S(n);                       \
        V dh = st_load_##F(dh_row + j, n, mask);                                                \
        if (dy_row) dh = _mm256_add_##S(dh, st_load_##F(dy_row + j, n, mask));                  \
        V y = st_load_##F(y_row + j, n, mask);                                                  \
        st_store_##F(da + j, _mm256_mul_##S(dh, _mm256_fnmadd_##S(y, y, one)), n, mask);        \
      }                                                                                         \
    }                                                                                           \
  }

ST_LSTM_KERNELS(float, __m256, 8, ps, f32, st_sigmoid_ps, st_tanh_ps)
ST_LSTM_KERNELS(double, __m256d, 4, pd, f64, st_sigmoid_pd, st_tanh_pd)
ST_GRU_RNN_KERNELS(float, __m256, 8, ps, f32, st_sigmoid_ps, st_tanh_ps)
ST_GRU_RNN_KERNELS(double, __m256d, 4, pd, f64, st_sigmoid_pd, st_tanh_pd)
#endif
