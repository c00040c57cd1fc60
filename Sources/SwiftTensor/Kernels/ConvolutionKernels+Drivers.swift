// The forward and backward passes of convolution over a whole batch: which thread takes which
// samples, the scratch column matrices, and the products.

/// One pass of a convolution, with its buffers; `run()` does the work.
@usableFromInline
enum ConvolutionKernel<S: TensorScalar> {
  /// `output = weight ⊛ input + bias` (bias `nil` for none).
  case forward(
    output: UnsafeMutablePointer<S>, input: UnsafePointer<S>, weight: UnsafePointer<S>,
    bias: UnsafePointer<S>?, ConvolutionGeometry)
  /// The gradients of `input`, `weight` and `bias` from the output gradient (each written,
  /// not accumulated; a `nil` destination is skipped).
  case backward(
    inputGradient: UnsafeMutablePointer<S>?, weightGradient: UnsafeMutablePointer<S>?,
    biasGradient: UnsafeMutablePointer<S>?, outputGradient: UnsafePointer<S>,
    input: UnsafePointer<S>, weight: UnsafePointer<S>, ConvolutionGeometry)

  func run() {
    switch self {
    case .forward(let output, let input, let weight, let bias, let geometry):
      ConvolutionKernels.forward(output, input, weight, bias, geometry)
    case .backward(let dx, let dw, let db, let dy, let x, let w, let geometry):
      ConvolutionKernels.backward(dx, dw, db, dy, x, w, geometry)
    }
  }
}

extension ConvolutionKernels {
  /// Threads sharing a batch, and those each product may use: below the point where a second
  /// thread pays, one; with several (sample, group) pairs, each thread takes whole pairs.
  static func threading(_ g: ConvolutionGeometry) -> (outer: Int, inner: Int) {
    let items = g.batch * g.groups
    let work = items * g.outputsPerGroup * g.depth * g.positions
    guard work >= GEMM.parallelThreshold, GEMM.coreCount > 1 else { return (1, 1) }
    return items >= GEMM.coreCount ? (GEMM.coreCount, 1) : (1, 0)
  }

  /// Runs `body(thread, items)` for `threads` fixed shares of the `batch × groups` pairs.
  static func share(
    _ g: ConvolutionGeometry, threads: Int, _ body: @escaping @Sendable (Int, Range<Int>) -> Void
  ) {
    let items = g.batch * g.groups
    let part: @Sendable (Int) -> Void = { t in
      body(t, (t * items / threads)..<((t + 1) * items / threads))
    }
    if threads == 1 { part(0) } else { WorkerPool.shared.run(threads: threads, second: part) }
  }

  /// The forward pass: per (sample, group), the bias broadcast over the output rows, then the
  /// product of the group's weights with the column matrix added onto it.
  static func forward<S: TensorScalar>(
    _ output: UnsafeMutablePointer<S>, _ input: UnsafePointer<S>, _ weight: UnsafePointer<S>,
    _ bias: UnsafePointer<S>?, _ g: ConvolutionGeometry
  ) {
    let (threads, inner) = threading(g)
    let columnsCount = g.isPointwise ? 0 : g.depth * g.positions
    let scratch = ScratchBuffer(byteCount: threads * columnsCount * MemoryLayout<S>.stride)
    defer { scratch.free() }
    nonisolated(unsafe) let buffer = scratch.address.bindMemory(
      to: S.self, capacity: threads * columnsCount)
    nonisolated(unsafe) let (x, w, b, y) = (input, weight, bias, output)
    share(g, threads: threads) { t, items in
      let columns = buffer + t * columnsCount
      for item in items {
        let (sample, group) = item.quotientAndRemainder(dividingBy: g.groups)
        let source = x + (sample * g.inChannels + group * g.channelsPerGroup) * g.height * g.width
        let firstOutput = group * g.outputsPerGroup
        let destination = y + (sample * g.outChannels + firstOutput) * g.positions
        if let b {
          for o in 0..<g.outputsPerGroup {
            (destination + o * g.positions).update(
              repeating: b[firstOutput + o], count: g.positions)
          }
        }
        if !g.isPointwise { unfold(source, g, into: columns) }
        GEMM.multiply(
          transposeA: false, transposeB: false, m: g.outputsPerGroup, n: g.positions, k: g.depth,
          alpha: 1, w + firstOutput * g.depth, lda: g.depth,
          g.isPointwise ? source : UnsafePointer(columns), ldb: g.positions,
          beta: b == nil ? 0 : 1, destination, ldc: g.positions, threads: inner)
      }
    }
  }

  /// The backward pass. Per (sample, group): `dW_g += dy · columnsᵀ`, `db += Σ dy` (into the
  /// thread's own accumulators, summed in thread order at the end, so the result does not
  /// depend on timing), and `dx = fold(W_gᵀ · dy)`.
  static func backward<S: TensorScalar>(
    _ inputGradient: UnsafeMutablePointer<S>?, _ weightGradient: UnsafeMutablePointer<S>?,
    _ biasGradient: UnsafeMutablePointer<S>?, _ outputGradient: UnsafePointer<S>,
    _ input: UnsafePointer<S>, _ weight: UnsafePointer<S>, _ g: ConvolutionGeometry
  ) {
    let (threads, inner) = threading(g)
    let columnsCount = g.isPointwise ? 0 : g.depth * g.positions
    let weightCount = g.outChannels * g.depth
    // Per thread: the column matrix, its gradient, and the weight and bias accumulators.
    let perThread = 2 * columnsCount + weightCount + g.outChannels
    let scratch = ScratchBuffer(byteCount: threads * perThread * MemoryLayout<S>.stride)
    defer { scratch.free() }
    nonisolated(unsafe) let buffer = scratch.address.bindMemory(
      to: S.self, capacity: threads * perThread)
    buffer.update(repeating: 0, count: threads * perThread)
    nonisolated(unsafe) let (x, w, dy) = (input, weight, outputGradient)
    let (needsInput, needsWeight, needsBias) =
      (inputGradient != nil, weightGradient != nil, biasGradient != nil)
    nonisolated(unsafe) let dx = inputGradient
    share(g, threads: threads) { t, items in
      let columns = buffer + t * perThread
      let columnGradient = columns + columnsCount
      let dw = columnGradient + columnsCount
      let db = dw + weightCount
      for item in items {
        let (sample, group) = item.quotientAndRemainder(dividingBy: g.groups)
        let planeOffset = (sample * g.inChannels + group * g.channelsPerGroup) * g.height * g.width
        let firstOutput = group * g.outputsPerGroup
        let gradient = dy + (sample * g.outChannels + firstOutput) * g.positions
        let groupWeight = w + firstOutput * g.depth
        if needsBias {
          addRowSums(gradient, rows: g.outputsPerGroup, count: g.positions, into: db + firstOutput)
        }
        if needsWeight {
          if !g.isPointwise { unfold(x + planeOffset, g, into: columns) }
          GEMM.multiply(
            transposeA: false, transposeB: true, m: g.outputsPerGroup, n: g.depth,
            k: g.positions, alpha: 1, gradient, lda: g.positions,
            g.isPointwise ? x + planeOffset : UnsafePointer(columns), ldb: g.positions, beta: 1,
            dw + firstOutput * g.depth, ldc: g.depth, threads: inner)
        }
        if needsInput, let dx {
          let destination = dx + planeOffset
          // A pointwise convolution's column gradient is the input gradient itself.
          let target = g.isPointwise ? destination : columnGradient
          GEMM.multiply(
            transposeA: true, transposeB: false, m: g.depth, n: g.positions,
            k: g.outputsPerGroup, alpha: 1, groupWeight, lda: g.depth, gradient,
            ldb: g.positions, beta: 0, target, ldc: g.positions, threads: inner)
          if !g.isPointwise {
            destination.update(repeating: 0, count: g.channelsPerGroup * g.height * g.width)
            foldAdding(columnGradient, g, into: destination)
          }
        }
      }
    }
    // The threads' accumulators, summed in order.
    for (destination, offset, count) in [
      (weightGradient, 2 * columnsCount, weightCount),
      (biasGradient, 2 * columnsCount + weightCount, g.outChannels),
    ] {
      guard let destination else { continue }
      destination.update(from: buffer + offset, count: count)
      for t in 1..<threads { addRow(buffer + t * perThread + offset, into: destination, count) }
    }
  }
}

extension TensorScalar {
  /// Runs a convolution pass: in specialised code one direct call to the entry point compiled
  /// for `Float` or `Double` (see `TensorScalar+Kernels.swift`).
  @inlinable
  static func _convolutionKernel(_ kernel: ConvolutionKernel<Self>) {
    if Self.self == Float.self {
      FloatKernels.convolution(reinterpret(kernel))
    } else if Self.self == Double.self {
      DoubleKernels.convolution(reinterpret(kernel))
    } else {
      GenericKernels.convolution(kernel)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func convolution(_ kernel: ConvolutionKernel<Float>) { kernel.run() }
}

extension DoubleKernels {
  @usableFromInline
  static func convolution(_ kernel: ConvolutionKernel<Double>) { kernel.run() }
}

extension GenericKernels {
  @usableFromInline
  static func convolution<S: TensorScalar>(_ kernel: ConvolutionKernel<S>) { kernel.run() }
}
