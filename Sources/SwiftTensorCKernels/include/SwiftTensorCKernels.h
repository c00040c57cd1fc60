#ifndef SWIFT_TENSOR_C_KERNELS_H
#define SWIFT_TENSOR_C_KERNELS_H

/// Nonzero when this CPU runs the AVX2+FMA micro-kernels of this target.
int swifttensor_has_avx2_fma(void);
/// Nonzero when this CPU (and its operating system) also runs AVX-512F code.
int swifttensor_has_avx512f(void);

/// Prefetches `count` cache lines of a strided block, starting at line `first`: line `i` is
/// `base + (i / lines_per_row) stride + 64 (i % lines_per_row)` bytes. A hint only, on any
/// architecture. O(count).
void swifttensor_prefetch_block(const void *base, long stride, long lines_per_row, long first,
                                long count);
/// Sequentially consistent load of a word shared between threads. O(1).
long swifttensor_atomic_load(long *word);
/// Sequentially consistent store. O(1).
void swifttensor_atomic_store(long *word, long value);
/// Sequentially consistent fetch-and-add; returns the old value. O(1).
long swifttensor_atomic_add(long *word, long value);
/// Sequentially consistent exchange; returns the old value. O(1).
long swifttensor_atomic_exchange(long *word, long value);
/// One round of a spin-wait: a CPU pause, and every 64th round a yield of the thread. O(1).
void swifttensor_spin_pause(long round);

#if defined(__x86_64__)

/// The sizes of one (batch, head) pair of a scaled dot-product attention for the attention
/// kernels: `time_q` queries of `head_dim` scalars (row stride `query_stride`, also the keys'
/// and their gradients'), `time_k` keys and values of `value_dim` (row stride `value_stride`,
/// also the value gradient's), outputs and their gradient of `value_dim` (row stride
/// `output_stride`), the factor `scale` of `Q·Kᵀ`, and with `causal` nonzero query `i` sees keys
/// `j <= i + time_k - time_q`.
typedef struct {
  long time_q, time_k, head_dim, value_dim, query_stride, value_stride, output_stride;
  int causal;
  float scale;
} swifttensor_attention_shape;

/// The inputs of the pair a thread runs next (any pointer may be null): its queries, keys,
/// values, and for a backward pass its weights and output gradient. A pass given them fetches
/// them into L2 a part per panel of its own rows, so that they arrive before the next pass
/// reads them (the weights and the value rows a backward pass reads were written long before).
typedef struct {
  const float *q, *k, *v, *p, *d_o;
} swifttensor_attention_inputs;

/// Floats of scratch the attention kernels need for one pair of `shape`. O(1).
long swifttensor_attention_scratch_f32(const swifttensor_attention_shape *shape);

/// One pair's forward attention in float, AVX2+FMA, no dropout: `o = softmax(scale·q·kᵀ)·v`
/// over the keys each query sees (and whose `mask` entry, if `mask` is not null, is not 0);
/// writes every weight of the `time_q x time_k` row-major `p` (0 outside the visible keys,
/// and a row with none left is 0, as is its output). `head_dim` and `value_dim` must be
/// multiples of 8. O(time_q · time_k · (head_dim + value_dim)). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_attention_forward_f32(const swifttensor_attention_shape *shape, const float *q,
                                       const float *k, const float *v, const float *mask,
                                       float *o, float *p, float *scratch,
                                       const swifttensor_attention_inputs *next);

/// The backward pass of `swifttensor_attention_forward_f32` from its weights `p` and the
/// output gradient `d_o`: writes every scalar of `dq`, `dk` and `dv` (each skipped when null).
/// Same requirements and complexity as the forward pass.
void swifttensor_attention_backward_f32(const swifttensor_attention_shape *shape, const float *q,
                                        const float *k, const float *v, const float *p,
                                        const float *d_o, float *dq, float *dk, float *dv,
                                        float *scratch,
                                        const swifttensor_attention_inputs *next);

/// `swifttensor_attention_forward_f32` with the products in AVX-512 tiles: the same bits.
/// Call only when `swifttensor_has_avx512f()` is nonzero.
void swifttensor_attention_forward_f32_avx512(const swifttensor_attention_shape *shape,
                                              const float *q, const float *k, const float *v,
                                              const float *mask, float *o, float *p,
                                              float *scratch,
                                              const swifttensor_attention_inputs *next);

/// `swifttensor_attention_backward_f32` with the products in AVX-512 tiles: the same bits.
/// Call only when `swifttensor_has_avx512f()` is nonzero.
void swifttensor_attention_backward_f32_avx512(const swifttensor_attention_shape *shape,
                                               const float *q, const float *k, const float *v,
                                               const float *p, const float *d_o, float *dq,
                                               float *dk, float *dv, float *scratch,
                                               const swifttensor_attention_inputs *next);
/// GEMM micro-kernel for float, AVX2+FMA: `C = alpha * A * B + beta * C` for one 6x16 tile.
///
/// `a` is a packed 6-row panel (6 consecutive values per step of k), `b` a packed 16-column
/// panel (16 consecutive values per step of k); `c` has row stride `ldc`. When `beta` is 0, `C`
/// is not read. O(k) time (192 FMAs per step of k). Call only when `swifttensor_has_avx2_fma()`
/// is nonzero.
void swifttensor_sgemm_kernel_6x16(
    long k, const float *a, const float *b, float *c, long ldc, float alpha, float beta);

/// `swifttensor_sgemm_kernel_6x16` with A read in place: the six rows of a row-major A, row
/// stride `lda` (`A[r][p] = a[r lda + p]`). A non-null `bias` (16 floats) starts every row's
/// sums, so that `C = alpha * (A * B + bias) + beta * C` (an affine layer's `x W + b` in one
/// pass, with alpha 1 and beta 0). `next` is the first of the six rows of A the caller runs
/// next (row stride `lda`), fetched while this tile computes. O(k). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_sgemm_kernel_6x16_rows(
    long k, const float *a, long lda, const float *b, const float *bias, float *c, long ldc,
    float alpha, float beta, const float *next);

/// The last `rows` (1 to 5) rows of a 6 x 16 tile, writing only those rows of C; `A[r][p] =
/// a[r row_stride + p depth_stride]` (`lda, 1` for a row-major A read in place, `1, 6` for a
/// packed panel). Each element is summed in the same order as in a full tile; a non-null
/// `bias` starts the sums as in `swifttensor_sgemm_kernel_6x16_rows`. O(k). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_sgemm_kernel_short_rows(
    long rows, long k, const float *a, long row_stride, long depth_stride, const float *b,
    const float *bias, float *c, long ldc, float alpha, float beta);

/// `swifttensor_sgemm_kernel_6x16` over two adjacent packed B panels in AVX-512 vectors: one 6 x
/// 32 tile, the panel of columns 16-31 `panel_stride` floats after the first. The same bits as
/// two calls of the 6 x 16 kernel. O(k). Call only when `swifttensor_has_avx512f()` is nonzero.
void swifttensor_sgemm_kernel_6x32_avx512(
    long k, const float *a, const float *b, long panel_stride, float *c, long ldc, float alpha,
    float beta);

/// `swifttensor_sgemm_kernel_6x16_rows` over two adjacent packed B panels in AVX-512 vectors
/// (a `bias` of 32 floats), as `swifttensor_sgemm_kernel_6x32_avx512` widens the packed-A tile.
/// The same bits as two calls of the 6 x 16 kernel. O(k). Call only when
/// `swifttensor_has_avx512f()` is nonzero.
void swifttensor_sgemm_kernel_6x32_rows_avx512(
    long k, const float *a, long lda, const float *b, long panel_stride, const float *bias,
    float *c, long ldc, float alpha, float beta, const float *next);

/// `swifttensor_sgemm_kernel_short_rows` over two adjacent B panels in AVX-512 vectors: the last
/// `rows` (1 to 5) rows of a 6 x 32 tile, the panel of columns 16-31 `panel_stride` floats after
/// the first (a `bias` of 32 floats). The same bits as two calls of the short-rows kernel.
/// O(k). Call only when `swifttensor_has_avx512f()` is nonzero.
void swifttensor_sgemm_kernel_short_rows_32_avx512(
    long rows, long k, const float *a, long row_stride, long depth_stride, const float *b,
    long panel_stride, const float *bias, float *c, long ldc, float alpha, float beta);

/// GEMM micro-kernel for double, AVX2+FMA: `C = alpha * A * B + beta * C` for one 6x8 tile.
///
/// Same packed layout as the float kernel with 8 columns per panel. O(k) time (48 FMAs per step
/// of k). Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_dgemm_kernel_6x8(
    long k, const double *a, const double *b, double *c, long ldc, double alpha, double beta);

/// Packs six rows of A (row stride `lda`, `kc` values each) into the micro-kernels' panel
/// layout: `dst[6 q + r] = a[r lda + q]`, transposed in registers. O(kc). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_spack_a6(const float *a, long lda, long kc, float *dst);
/// The double-precision `swifttensor_spack_a6`. O(kc).
void swifttensor_dpack_a6(const double *a, long lda, long kc, double *dst);
/// Packs `panels` consecutive six-column panels of a transposed A (`kc` rows at row stride
/// `lda`, six contiguous values per panel and row), each contiguously in the micro-kernel's
/// layout: `dst[p kc 6 + 6 q + r] = a[q lda + 6 p + r]`. O(kc panels). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_spack_a6_transposed(const float *a, long lda, long kc, long panels,
                                     float *dst);
/// The double-precision `swifttensor_spack_a6_transposed`. O(kc panels).
void swifttensor_dpack_a6_transposed(const double *a, long lda, long kc, long panels,
                                     double *dst);
/// Packs one full panel of a transposed B (16 rows of `b` at row stride `ldb`, `kc` values
/// each) into the micro-kernel's layout: `dst[16 q + c] = b[c ldb + q]`, transposed in 8 x 8
/// register blocks. O(kc). Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_spack_b16_transposed(const float *b, long ldb, long kc, float *dst);
/// Packs `panels` consecutive full panels of B (`kc` rows of 16 floats each, at row stride
/// `ldb`), each contiguously: `dst[p kc 16 + 16 q + j] = b[q ldb + 16 p + j]`, walking eight
/// rows at a time across all the panels. A non-null `sums` (`16 panels` floats) gets each
/// column's values added, row after row. O(kc panels). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_spack_b16(const float *b, long ldb, long kc, long panels, float *dst,
                           float *sums);
/// The double-precision `swifttensor_spack_b16`, 8 columns per row. O(kc panels).
void swifttensor_dpack_b8(const double *b, long ldb, long kc, long panels, double *dst,
                          double *sums);

/// Unpacked GEMM for small products, AVX2+FMA: `C = alpha * op(A) * op(B) + beta * C`, with
/// op(A) `m x k` and op(B) `k x n`, row-major with leading dimensions `lda`, `ldb`, `ldc`.
///
/// Register tiles with masked edges; no packing, no allocation. When `beta` is 0, `C` is not
/// read. Returns 0 without touching `C` when both operands are transposed (not handled here),
/// 1 otherwise. O(m x n x k) time. Call only when `swifttensor_has_avx2_fma()` is nonzero.
int swifttensor_sgemm_small(
    int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a,
    long lda, const float *b, long ldb, float beta, float *c, long ldc);
/// The double-precision `swifttensor_sgemm_small`. O(m x n x k).
int swifttensor_dgemm_small(
    int transposeA, int transposeB, long m, long n, long k, double alpha, const double *a,
    long lda, const double *b, long ldb, double beta, double *c, long ldc);

/// Plain SGD in place, AVX2+FMA: `p[i] -= learningRate * (g[i] + weightDecay * p[i])` for
/// `i < count` (fused, so the result may differ from separate rounding in the last bit).
/// O(count). Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_sgd_f32(float *p, const float *g, long count, float learningRate,
                         float weightDecay);
/// The double-precision `swifttensor_sgd_f32`. O(count).
void swifttensor_sgd_f64(double *p, const double *g, long count, double learningRate,
                         double weightDecay);

/// One Adam step in place, AVX2+FMA, for `i < count`: with `d = g[i] + l2 * p[i]`,
/// `m[i] = beta1 m[i] + (1 - beta1) d`, `s[i] = beta2 s[i] + (1 - beta2) d²`,
/// `p[i] -= decoupled * p[i]`, then `p[i] -= stepSize * m[i] / (sqrt(s[i] / correction2) + eps)`
/// (`l2` is L2 weight decay in the gradient, `decoupled` is `lr * weightDecay` for AdamW; one
/// of them is 0). Fused multiply-adds: may differ from separate rounding in the last bits.
/// O(count). Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_adam_f32(float *p, const float *g, float *m, float *s, long count, float beta1,
                          float beta2, float stepSize, float correction2, float epsilon,
                          float l2, float decoupled);
/// The double-precision `swifttensor_adam_f32`. O(count).
void swifttensor_adam_f64(double *p, const double *g, double *m, double *s, long count,
                          double beta1, double beta2, double stepSize, double correction2,
                          double epsilon, double l2, double decoupled);

/// `Σ x[i]²` for `i < count`, AVX2+FMA, with four vector accumulators: a cheap test of whether
/// every gradient is finite (the sum is then finite). O(count). Call only when
/// `swifttensor_has_avx2_fma()` is nonzero.
float swifttensor_sum_squares_f32(const float *x, long count);
/// The double-precision `swifttensor_sum_squares_f32`. O(count).
double swifttensor_sum_squares_f64(const double *x, long count);

/// Element-wise `y[i] = f(x[i])` for `i < count`, AVX2+FMA, for f = exp, log, tanh, sigmoid.
///
/// The same algorithms as the Swift `VectorMath` kernels (range reduction, polynomials, clamps
/// and special values: overflow to infinity, subnormal results, NaN propagation, exact limits),
/// with fused multiply-adds. `x` and `y` may be the same array (in place) but must not otherwise
/// overlap. O(count) time, no allocation. Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_exp_f32(const float *x, float *y, long count);
/// Natural logarithm over an array; see `swifttensor_exp_f32`. O(count).
void swifttensor_log_f32(const float *x, float *y, long count);
/// Hyperbolic tangent over an array; see `swifttensor_exp_f32`. O(count).
void swifttensor_tanh_f32(const float *x, float *y, long count);
/// Logistic sigmoid over an array; see `swifttensor_exp_f32`. O(count).
void swifttensor_sigmoid_f32(const float *x, float *y, long count);
/// `e^x` over an array of doubles; see `swifttensor_exp_f32`. O(count).
void swifttensor_exp_f64(const double *x, double *y, long count);
/// Natural logarithm over an array of doubles; see `swifttensor_exp_f32`. O(count).
void swifttensor_log_f64(const double *x, double *y, long count);
/// Hyperbolic tangent over an array of doubles; see `swifttensor_exp_f32`. O(count).
void swifttensor_tanh_f64(const double *x, double *y, long count);
/// Logistic sigmoid over an array of doubles; see `swifttensor_exp_f32`. O(count).
void swifttensor_sigmoid_f64(const double *x, double *y, long count);

/// GPT-2's GELU `y[i] = x/2 (1 + tanh(√(2/π)(x + 0.044715x³)))` for `i < count`, AVX2+FMA, on
/// the tanh of `swifttensor_tanh_f32`. `x` and `y` may be the same array. O(count). Call only
/// when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_gelu_tanh_f32(const float *x, float *y, long count);
/// The double-precision `swifttensor_gelu_tanh_f32`. O(count).
void swifttensor_gelu_tanh_f64(const double *x, double *y, long count);
/// The derivative of `swifttensor_gelu_tanh_f32` times the output gradient:
/// `dx[i] = gelu'(x[i]) dy[i]` (`dx` may be `dy`). O(count).
void swifttensor_gelu_tanh_backward_f32(const float *x, const float *dy, float *dx, long count);
/// `y[i] = gelu(x[i])` and `x[i] = gelu'(x[i])` from one tanh per element: the forward pass of
/// a layer that keeps the derivative for its backward pass instead of the input. O(count).
void swifttensor_gelu_tanh_slope_f32(float *x, float *y, long count);
/// `swifttensor_gelu_tanh_slope_f32` in 16-lane AVX-512 vectors, the same operations lane by
/// lane (so the same results). O(count). Call only when `swifttensor_has_avx512f()` is nonzero.
void swifttensor_gelu_tanh_slope_f32_avx512(float *x, float *y, long count);
/// The double-precision `swifttensor_gelu_tanh_slope_f32`. O(count).
void swifttensor_gelu_tanh_slope_f64(double *x, double *y, long count);
/// The double-precision `swifttensor_gelu_tanh_backward_f32`. O(count).
void swifttensor_gelu_tanh_backward_f64(const double *x, const double *dy, double *dx,
                                        long count);

/// Layer normalisation of `rows` rows of `length` floats, AVX2+FMA: per row the mean and the
/// biased variance (summed in double, two passes) into `mean` and `rstd = 1/√(var + epsilon)`,
/// and `y = (x - mean)·rstd·weight + bias` (`weight` and `bias` may be null: 1 and 0; a bias
/// only with a weight). O(rows · length). Call only when `swifttensor_has_avx2_fma()` is nonzero.
void swifttensor_layer_norm_forward_f32(const float *x, const float *weight, const float *bias,
                                        long rows, long length, double epsilon, float *y,
                                        float *mean, float *rstd);
/// The backward pass of `swifttensor_layer_norm_forward_f32` from its `mean` and `rstd`: adds
/// `Σ dy·x̂` and `Σ dy` over the rows to `weight_sums` and `bias_sums` (`length` doubles each)
/// and, unless `dx` is null, writes `dx = rstd·(g - mean(g) - x̂·mean(g·x̂))` with `g = dy·weight`
/// (or adds it to `dx` when `accumulate` is nonzero). `partial` is scratch of `2·length` floats.
/// O(rows · length).
void swifttensor_layer_norm_backward_f32(const float *x, const float *dy, const float *weight,
                                         const float *mean, const float *rstd, long rows,
                                         long length, float *dx, int accumulate,
                                         double *weight_sums, double *bias_sums, float *partial);

/// One LSTM time step's forward gate math, AVX2+FMA, for `rows` samples of `hidden` units: the
/// pre-activations in `gates` (row stride `gates_stride`; input, forget, cell, output blocks of
/// `hidden`) plus `bias` become the gate activations in place; the new cell state goes to `cell`
/// and the new hidden state to `output`. Strides are in elements. See RecurrentKernels.swift.
void swifttensor_lstm_forward_f32(long rows, long hidden, float *gates, long gates_stride,
                                  const float *bias, const float *previous_cell,
                                  long previous_cell_stride, float *cell, long cell_stride,
                                  float *output, long output_stride);
void swifttensor_lstm_forward_f64(long rows, long hidden, double *gates, long gates_stride,
                                  const double *bias, const double *previous_cell,
                                  long previous_cell_stride, double *cell, long cell_stride,
                                  double *output, long output_stride);

/// One LSTM time step's backward gate math, AVX2+FMA: from the step's gate activations, cell
/// states, and the gradients of its hidden state (`hidden_gradient`, plus `output_gradient`
/// unless null) and cell state (`cell_gradient`, replaced by the previous cell state's), writes
/// the gradients of the four pre-activation blocks to `gate_gradients`.
void swifttensor_lstm_backward_f32(long rows, long hidden, const float *gates, long gates_stride,
                                   const float *previous_cell, long previous_cell_stride,
                                   const float *cell, long cell_stride,
                                   const float *output_gradient, long output_gradient_stride,
                                   const float *hidden_gradient, long hidden_gradient_stride,
                                   float *cell_gradient, long cell_gradient_stride,
                                   float *gate_gradients, long gate_gradients_stride);
void swifttensor_lstm_backward_f64(long rows, long hidden, const double *gates,
                                   long gates_stride, const double *previous_cell,
                                   long previous_cell_stride, const double *cell, long cell_stride,
                                   const double *output_gradient, long output_gradient_stride,
                                   const double *hidden_gradient, long hidden_gradient_stride,
                                   double *cell_gradient, long cell_gradient_stride,
                                   double *gate_gradients, long gate_gradients_stride);

/// One GRU time step's forward gate math, AVX2+FMA (PyTorch's formulation, one bias): from the
/// input pre-activations `gates` (reset, update, candidate blocks of `hidden`), `bias` and
/// `hidden_gates` (`h·W_h`), writes the gate activations in place and the new hidden state to
/// `output`. See RecurrentKernels.swift.
void swifttensor_gru_forward_f32(long rows, long hidden, float *gates, long gates_stride,
                                 const float *bias, const float *hidden_gates,
                                 long hidden_gates_stride, const float *previous_hidden,
                                 long previous_hidden_stride, float *output, long output_stride);
void swifttensor_gru_forward_f64(long rows, long hidden, double *gates, long gates_stride,
                                 const double *bias, const double *hidden_gates,
                                 long hidden_gates_stride, const double *previous_hidden,
                                 long previous_hidden_stride, double *output, long output_stride);
/// One GRU time step's backward gate math, AVX2+FMA: writes the gradients of the input-side and
/// hidden-side pre-activations, and replaces `hidden_gradient` (plus `output_gradient` unless
/// null) by the part of the previous hidden state's gradient that bypasses `W_h`.
void swifttensor_gru_backward_f32(long rows, long hidden, const float *gates, long gates_stride,
                                  const float *hidden_gates, long hidden_gates_stride,
                                  const float *previous_hidden, long previous_hidden_stride,
                                  const float *output_gradient, long output_gradient_stride,
                                  float *hidden_gradient, long hidden_gradient_stride,
                                  float *gate_gradients, long gate_gradients_stride,
                                  float *hidden_gate_gradients, long hidden_gate_gradients_stride);
void swifttensor_gru_backward_f64(long rows, long hidden, const double *gates, long gates_stride,
                                  const double *hidden_gates, long hidden_gates_stride,
                                  const double *previous_hidden, long previous_hidden_stride,
                                  const double *output_gradient, long output_gradient_stride,
                                  double *hidden_gradient, long hidden_gradient_stride,
                                  double *gate_gradients, long gate_gradients_stride,
                                  double *hidden_gate_gradients,
                                  long hidden_gate_gradients_stride);
/// One RNN (tanh) time step, AVX2+FMA: `tanh(gates + bias)` into `gates` and `output`.
void swifttensor_rnn_forward_f32(long rows, long hidden, float *gates, long gates_stride,
                                 const float *bias, float *output, long output_stride);
void swifttensor_rnn_forward_f64(long rows, long hidden, double *gates, long gates_stride,
                                 const double *bias, double *output, long output_stride);
/// One RNN step's backward pass, AVX2+FMA: `(hidden_gradient + output_gradient)·(1 - y²)` into
/// `gate_gradients`, with `output` the step's hidden state `y` (`output_gradient` may be null).
void swifttensor_rnn_backward_f32(long rows, long hidden, const float *output, long output_stride,
                                  const float *output_gradient, long output_gradient_stride,
                                  const float *hidden_gradient, long hidden_gradient_stride,
                                  float *gate_gradients, long gate_gradients_stride);
void swifttensor_rnn_backward_f64(long rows, long hidden, const double *output,
                                  long output_stride, const double *output_gradient,
                                  long output_gradient_stride, const double *hidden_gradient,
                                  long hidden_gradient_stride, double *gate_gradients,
                                  long gate_gradients_stride);
#endif

#endif
