// The forward and backward passes of one attention pair, written once for both vector widths
// of the products: the file that includes this defines ST_ATT_PRODUCT (a product of up to 6
// rows from its register tiles, with the arguments of `st_att_product`), ST_ATT_PASS_TARGET
// (the passes' target attribute) and ST_ATT_NAME(name) (the entry points' names). Everything
// else comes from attention_inline.h, so both widths compute every scalar the same way.
// Private to the C target; no include guard, since each width includes it once.
#if defined(__x86_64__)

ST_ATT_PASS_TARGET void ST_ATT_NAME(swifttensor_attention_forward_f32)(
    const swifttensor_attention_shape *s, const float *q, const float *k, const float *v,
    const float *mask, float *o, float *p, float *scratch,
    const swifttensor_attention_inputs *next) {
  const long tq = s->time_q, tk = s->time_k, qs = s->query_stride, vs = s->value_stride;
  const long os = s->output_stride;
  const long padded = st_round_up(tk, 16);
  float *kt = scratch, *scores = scratch + s->head_dim * padded;
  st_att_transpose(k, tk, s->head_dim, qs, kt, padded);
  const long panels = (tq + 5) / 6;
  for (long i0 = 0; i0 < tq; i0 += 6) {
    st_att_prefetch_part(s, next, i0 / 6, panels);
    const long rows = tq - i0 < 6 ? tq - i0 : 6;
    const long keys = st_visible(s, i0 + rows - 1);
    if (keys == 0) {
      for (long r = 0; r < rows; ++r) {
        for (long j = 0; j < tk; ++j) p[(i0 + r) * tk + j] = 0;
        for (long c = 0; c < s->value_dim; ++c) o[(i0 + r) * os + c] = 0;
      }
      continue;
    }
    ST_ATT_PRODUCT(rows, st_round_up(keys, 16), s->head_dim, q + i0 * qs, qs, 1, kt, padded,
                   scores, padded, s->scale, 0);
    for (long r = 0; r < rows; ++r)
      st_att_softmax(scores + r * padded, st_visible(s, i0 + r), mask, p + (i0 + r) * tk, tk);
    ST_ATT_PRODUCT(rows, s->value_dim, keys, p + i0 * tk, tk, 1, v, vs, o + i0 * os, os, 1, 0);
  }
}

ST_ATT_PASS_TARGET void ST_ATT_NAME(swifttensor_attention_backward_f32)(
    const swifttensor_attention_shape *s, const float *q, const float *k, const float *v,
    const float *p, const float *d_o, float *dq, float *dk, float *dv, float *scratch,
    const swifttensor_attention_inputs *next) {
  const long tq = s->time_q, tk = s->time_k, qs = s->query_stride, vs = s->value_stride;
  const long os = s->output_stride;
  const long padded = st_round_up(tk, 16);
  float *vt = scratch, *ds = scratch + s->value_dim * padded;
  st_att_transpose(v, tk, s->value_dim, vs, vt, padded);
  const long panels = (tq + 5) / 6 + (tk + 5) / 6;
  // dS = P∘(dP - rowsum(dP∘P)), dP = dO·Vᵀ, row panel by row panel; zero past the panel's
  // keys (P is zero there), so that the key-side products below may read whole columns of dS.
  for (long i0 = 0; i0 < tq; i0 += 6) {
    st_att_prefetch_part(s, next, i0 / 6, panels);
    const long rows = tq - i0 < 6 ? tq - i0 : 6;
    const long keys = st_visible(s, i0 + rows - 1);
    float *panel = ds + i0 * padded;
    if (keys > 0)
      ST_ATT_PRODUCT(rows, st_round_up(keys, 16), s->value_dim, d_o + i0 * os, os, 1, vt,
                     padded, panel, padded, 1, 0);
    for (long r = 0; r < rows; ++r) {
      float *g = panel + r * padded;
      const float *w = p + (i0 + r) * tk;
      __m256 sum = _mm256_setzero_ps();
      long j = 0;
      for (; j + 8 <= keys; j += 8)
        sum = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), _mm256_loadu_ps(w + j), sum);
      float d = st_att_sum(sum);
      for (; j < keys; ++j) d += g[j] * w[j];
      const __m256 shift = _mm256_set1_ps(d);
      for (j = 0; j + 8 <= keys; j += 8)
        _mm256_storeu_ps(g + j, _mm256_mul_ps(_mm256_loadu_ps(w + j),
                                              _mm256_sub_ps(_mm256_loadu_ps(g + j), shift)));
      for (; j < keys; ++j) g[j] = w[j] * (g[j] - d);
      for (; j < padded; ++j) g[j] = 0;
    }
    if (dq && keys > 0)
      ST_ATT_PRODUCT(rows, s->head_dim, keys, panel, padded, 1, k, qs, dq + i0 * qs, qs,
                     s->scale, 0);
    else if (dq)
      for (long r = 0; r < rows; ++r)
        for (long c = 0; c < s->head_dim; ++c) dq[(i0 + r) * qs + c] = 0;
  }
  // dV = Pᵀ·dO and dK = scale·dSᵀ·Q, six keys at a time over the queries that see them,
  // written (not added): the last query sees every key, so every row of dK and dV is written.
  for (long j0 = 0; j0 < tk; j0 += 6) {
    st_att_prefetch_part(s, next, (tq + 5) / 6 + j0 / 6, panels);
    const long keys = tk - j0 < 6 ? tk - j0 : 6;
    long first = s->causal ? j0 - (tk - tq) : 0;
    if (first < 0) first = 0;
    const long depth = tq - first;
    if (dv)
      ST_ATT_PRODUCT(keys, s->value_dim, depth, p + first * tk + j0, 1, tk, d_o + first * os, os,
                     dv + j0 * vs, vs, 1, 0);
    if (dk)
      ST_ATT_PRODUCT(keys, s->head_dim, depth, ds + first * padded + j0, 1, padded,
                     q + first * qs, qs, dk + j0 * qs, qs, s->scale, 0);
  }
}
#endif
