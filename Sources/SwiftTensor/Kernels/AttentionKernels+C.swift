import SwiftTensorCKernels

/// The attention pair kernels in C (`attention_kernels.c`, and `attention_kernels_avx512.c`
/// with the products in AVX-512 tiles where the CPU runs them): AVX2+FMA, Float, no dropout, head
/// and value widths that are multiples of 8 (a transformer's 32 or 64). They run the same
/// formulas as `forward(pair:scratch:)` and `backward(pair:scratch:)` with the products as
/// register tiles called directly; the Swift loops stay the path of every other case.
extension AttentionKernel {
  /// Whether the C kernels run this pass. O(1).
  var runsInC: Bool { Self.runsInC(layout) }

  /// Whether the C kernels run the passes of `l`: they write every scalar of the gradients
  /// they compute, which may then start uninitialised (the Swift loops add to zeros). O(1).
  @usableFromInline
  static func runsInC(_ l: AttentionLayout) -> Bool {
    #if arch(x86_64)
      return S.self == Float.self && CPU.hasAVX2FMA && l.dropoutRate == 0
        && l.headDim % 8 == 0 && l.valueDim % 8 == 0 && l.timeK < Int(Int32.max)
    #else
      return false
    #endif
  }

  #if arch(x86_64)
    /// The C description of one pair's sizes.
    var cShape: swifttensor_attention_shape {
      let l = layout
      return swifttensor_attention_shape(
        time_q: l.timeQ, time_k: l.timeK, head_dim: l.headDim, value_dim: l.valueDim,
        query_stride: l.queryStride, value_stride: l.valueStride, output_stride: l.valueWidth,
        causal: l.causal ? 1 : 0,
        scale: Float(l.scale))
    }

    /// Scalars of scratch the C kernels need per thread. O(1).
    var cScratchCount: Int {
      var shape = cShape
      return swifttensor_attention_scratch_f32(&shape)
    }

    /// The Float pointers of one pair: its queries, keys, values, weights, and the offsets of
    /// its query and value rows in the outputs and gradients.
    func pairPointers(
      _ pair: Int
    ) -> (
      q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
      p: UnsafeMutablePointer<Float>, query: Int, key: Int, value: Int, output: Int
    ) {
      let l = layout
      let (b, h) = pair.quotientAndRemainder(dividingBy: l.heads)
      let query = b * l.timeQ * l.queryStride + h * l.headDim
      let key = b * l.timeK * l.queryStride + h * l.headDim
      let value = b * l.timeK * l.valueStride + h * l.valueDim
      let output = b * l.timeQ * l.valueWidth + h * l.valueDim
      return (
        float(self.query + query), float(self.key + key), float(self.value + value),
        float(probabilities + pair * l.timeQ * l.timeK), query, key, value, output
      )
    }

    /// Runs one pair's forward or backward pass in C, fetching the inputs of `next` (the pair
    /// that follows in this thread's share, if any) as it goes, with the products in AVX-512
    /// tiles when `wideTiles` (same bits); `runsInC` must hold.
    func runInC(pair: Int, next: Int?, scratch: UnsafeMutablePointer<S>, wideTiles: Bool) {
      var shape = cShape
      var upcoming = swifttensor_attention_inputs()
      if let next {
        let n = pairPointers(next)
        upcoming = swifttensor_attention_inputs(
          q: n.q, k: n.k, v: n.v, p: outputGradient == nil ? nil : UnsafePointer(n.p),
          d_o: outputGradient.map { float($0 + n.output) })
      }
      let x = pairPointers(pair)
      withUnsafePointer(to: &upcoming) { upcomingPointer in
        let nextInputs = next == nil ? nil : upcomingPointer
        if let outputGradient {
          let backward =
            wideTiles
            ? swifttensor_attention_backward_f32_avx512 : swifttensor_attention_backward_f32
          backward(
            &shape, x.q, x.k, x.v, x.p, float(outputGradient + x.output),
            queryGradient.map { float($0 + x.query) }, keyGradient.map { float($0 + x.key) },
            valueGradient.map { float($0 + x.value) }, float(scratch), nextInputs)
        } else {
          let b = pair / layout.heads
          let forward =
            wideTiles ? swifttensor_attention_forward_f32_avx512 : swifttensor_attention_forward_f32
          forward(
            &shape, x.q, x.k, x.v, keyMask.map { float($0 + b * layout.timeK) },
            float(output.unsafelyUnwrapped + x.output), x.p, float(scratch), nextInputs)
        }
      }
    }
  #endif

  /// `pointer` as the Float pointer it is when `runsInC` holds.
  @inline(__always)
  func float(_ pointer: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
  }

  /// `pointer` as the Float pointer it is when `runsInC` holds.
  @inline(__always)
  func float(_ pointer: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self)
  }
}
