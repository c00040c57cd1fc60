// The backward pass of convolution over a whole batch, sharing the forward pass's plan.

extension ConvolutionKernels {
  /// The backward pass. Per (chunk, group), with `dy` of the chunk's samples side by side:
  /// `dW_g += dy · columnsᵀ` and `db += Σ dy` into the thread's own accumulators (summed in
  /// thread order at the end, so the result does not depend on timing), and
  /// `dx = fold(W_gᵀ · dy)` per sample.
  static func backward<S: TensorScalar>(
    _ inputGradient: UnsafeMutablePointer<S>?, _ weightGradient: UnsafeMutablePointer<S>?,
    _ biasGradient: UnsafeMutablePointer<S>?, _ outputGradient: UnsafePointer<S>,
    _ input: UnsafePointer<S>, _ weight: UnsafePointer<S>, _ g: ConvolutionGeometry
  ) {
    if let dx = inputGradient, g.positions >= slabWidth, let transposed = g.inputGradientGeometry {
      backward(nil, weightGradient, biasGradient, outputGradient, input, weight, g)
      let flipped = ScratchBuffer(byteCount: g.outChannels * g.depth * MemoryLayout<S>.stride)
      defer { flipped.free() }
      let transposedWeight = flipped.address.bindMemory(
        to: S.self, capacity: g.outChannels * g.depth)
      flipForInputGradient(weight, g, into: transposedWeight)
      forward(dx, outputGradient, transposedWeight, nil, transposed)
      return
    }
    let plan = ConvolutionPlan(g, S.self)
    let width = plan.samplesPerChunk * g.positions
    let weightCount = g.outChannels * g.depth
    // Per thread: the column matrix and its gradient, the gathered output gradient, and the
    // weight and bias accumulators.
    let columnsCount = g.depth * width
    let gatheredCount = plan.samplesPerChunk > 1 ? g.outputsPerGroup * width : 0
    let accumulators = 2 * columnsCount + gatheredCount
    let transform = ColumnTransform(
      g, S.self, packed: prefersPacked(g, samplesPerChunk: plan.samplesPerChunk))
    let perThread = accumulators + weightCount + g.outChannels + transform.scratchCount
    let scratch = ScratchBuffer(byteCount: plan.threads * perThread * MemoryLayout<S>.stride)
    defer { scratch.free() }
    nonisolated(unsafe) let buffer = scratch.address.bindMemory(
      to: S.self, capacity: plan.threads * perThread)
    for t in 0..<plan.threads {
      (buffer + t * perThread + accumulators).update(
        repeating: 0, count: weightCount + g.outChannels)
    }
    nonisolated(unsafe) let (x, w, dy, dx) = (input, weight, outputGradient, inputGradient)
    let (needsWeight, needsBias) = (weightGradient != nil, biasGradient != nil)
    share(plan, groups: g.groups) { t, items in
      let columns = buffer + t * perThread
      let columnGradient = columns + columnsCount
      let gathered = columnGradient + columnsCount
      let dw = columns + accumulators
      let db = dw + weightCount
      let bordered = db + g.outChannels
      for item in items {
        let (chunk, group) = item.quotientAndRemainder(dividingBy: g.groups)
        let samples = plan.samples(chunk, batch: g.batch)
        let pitch = samples.count * g.positions
        let direct = samples.count == 1
        let firstOutput = group * g.outputsPerGroup
        let gradient: UnsafePointer<S>
        if direct {
          gradient = dy + outputOffset(g, samples.lowerBound, group)
        } else {
          for (i, sample) in samples.enumerated() {
            let rows = dy + outputOffset(g, sample, group)
            for o in 0..<g.outputsPerGroup {
              (gathered + o * pitch + i * g.positions).update(
                from: rows + o * g.positions, count: g.positions)
            }
          }
          gradient = UnsafePointer(gathered)
        }
        if needsBias {
          addRowSums(gradient, rows: g.outputsPerGroup, count: pitch, into: db + firstOutput)
        }
        let pointwise = direct && g.isPointwise
        if needsWeight && transform.packed {
          transform.accumulateWeightGradientBySlabs(
            x + inputOffset(g, samples.lowerBound, group), g, outputGradient: gradient,
            scratch: bordered, into: dw + firstOutput, threads: plan.inner)
        } else if needsWeight {
          let right: UnsafePointer<S>
          if pointwise {
            right = x + inputOffset(g, samples.lowerBound, group)
          } else {
            for (i, sample) in samples.enumerated() {
              transform.unfold(
                x + inputOffset(g, sample, group), g, into: columns + i * g.positions,
                pitch: pitch, scratch: bordered)
            }
            right = UnsafePointer(columns)
          }
          // The transposed gradient `dW_gᵀ += columns · dyᵀ`, so that the large operand,
          // the columns, is packed as GEMM reads it best (row panels), and only the small `dy`
          // is packed across its rows.
          GEMM.multiply(
            transposeA: false, transposeB: true, m: g.depth, n: g.outputsPerGroup, k: pitch,
            alpha: 1, right, lda: pitch, gradient, ldb: pitch, beta: 1, dw + firstOutput,
            ldc: g.outChannels, threads: plan.inner)
        }
        guard let dx else { continue }
        // A pointwise convolution's column gradient is the input gradient itself.
        let target = pointwise ? dx + inputOffset(g, samples.lowerBound, group) : columnGradient
        GEMM.multiply(
          transposeA: true, transposeB: false, m: g.depth, n: pitch, k: g.outputsPerGroup,
          alpha: 1, w + firstOutput * g.depth, lda: g.depth, gradient, ldb: pitch, beta: 0,
          target, ldc: pitch, threads: plan.inner)
        guard !pointwise else { continue }
        for (i, sample) in samples.enumerated() {
          let destination = dx + inputOffset(g, sample, group)
          destination.update(repeating: 0, count: g.channelsPerGroup * g.height * g.width)
          transform.foldAdding(
            columnGradient + i * g.positions, g, into: destination, pitch: pitch, scratch: bordered)
        }
      }
    }
    // The threads' accumulators, summed in order; the weight gradient was accumulated
    // transposed, `[depth, outChannels]`.
    if let weightGradient {
      let first = buffer + accumulators
      for o in 0..<g.outChannels {
        for r in 0..<g.depth {
          var sum = first[r * g.outChannels + o]
          for t in 1..<plan.threads { sum += first[t * perThread + r * g.outChannels + o] }
          weightGradient[o * g.depth + r] = sum
        }
      }
    }
    if let biasGradient {
      biasGradient.update(from: buffer + accumulators + weightCount, count: g.outChannels)
      for t in 1..<plan.threads {
        addRow(
          buffer + t * perThread + accumulators + weightCount, into: biasGradient, g.outChannels)
      }
    }
  }
}

extension ConvolutionGeometry {
  /// With stride 1, the input gradient is itself a convolution: of `dy`, padded by
  /// `dilation·(kernel − 1) − padding` on each side, with the kernels flipped and their two
  /// channel axes swapped. Run as one, it is a deep product written straight into `dx`, where
  /// the general path's product is only `outputsPerGroup` deep and its result is folded back.
  /// `nil` when the stride is not 1 or the padding exceeds `dilation·(kernel − 1)`.
  var inputGradientGeometry: ConvolutionGeometry? {
    let reachHeight = dilationHeight * (kernelHeight - 1)
    let reachWidth = dilationWidth * (kernelWidth - 1)
    let paddingBottom = outputHeight + reachHeight - height - paddingTop
    let paddingRight = outputWidth + reachWidth - width - paddingLeft
    guard strideHeight == 1, strideWidth == 1, paddingTop <= reachHeight,
      paddingLeft <= reachWidth, paddingBottom >= 0, paddingBottom <= reachHeight,
      paddingRight >= 0, paddingRight <= reachWidth
    else { return nil }
    return ConvolutionGeometry(
      batch: batch, inChannels: outChannels, outChannels: inChannels, groups: groups,
      height: outputHeight, width: outputWidth, kernelHeight: kernelHeight,
      kernelWidth: kernelWidth, strideHeight: 1, strideWidth: 1, dilationHeight: dilationHeight,
      dilationWidth: dilationWidth, paddingTop: reachHeight - paddingTop,
      paddingLeft: reachWidth - paddingLeft, outputHeight: height, outputWidth: width)
  }
}

extension ConvolutionKernels {
  /// The kernels of `inputGradientGeometry`: `W'[g·C_g + c, o, i, j] = W[g·O_g + o, c,
  /// kh − 1 − i, kw − 1 − j]` per group. O(weight size).
  static func flipForInputGradient<S: TensorScalar>(
    _ weight: UnsafePointer<S>, _ g: ConvolutionGeometry, into flipped: UnsafeMutablePointer<S>
  ) {
    let taps = g.kernelHeight * g.kernelWidth
    for group in 0..<g.groups {
      for o in 0..<g.outputsPerGroup {
        for c in 0..<g.channelsPerGroup {
          let source = weight + ((group * g.outputsPerGroup + o) * g.channelsPerGroup + c) * taps
          let target = flipped + ((group * g.channelsPerGroup + c) * g.outputsPerGroup + o) * taps
          for t in 0..<taps { target[t] = source[taps - 1 - t] }
        }
      }
    }
  }
}
