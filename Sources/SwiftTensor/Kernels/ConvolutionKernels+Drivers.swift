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

/// How a pass shares its work: the batch cut into chunks of samples whose column matrices sit
/// side by side (one product per chunk and group, wide enough for the micro-kernel), and the
/// (chunk, group) pairs shared between threads in fixed shares.
struct ConvolutionPlan {
  /// Threads sharing the pairs, and threads each product may use (0: GEMM decides).
  var threads: Int, inner: Int
  /// Samples per chunk (the last may have fewer), and chunks.
  var samplesPerChunk: Int, chunks: Int

  init<S: TensorScalar>(_ g: ConvolutionGeometry, _: S.Type) {
    let work = g.batch * g.outChannels * g.depth * g.positions
    // A pass also unfolds and copies, so it shares its samples from a quarter of the work at
    // which a bare product starts to split.
    let threads = work >= GEMM.parallelThreshold / 4 && GEMM.coreCount > 1 ? GEMM.coreCount : 1
    // About 512 columns per product, within a column matrix of 256 KiB, every thread a chunk.
    let byWidth = Swift.max(1, 512 / Swift.max(g.positions, 1))
    let byMemory = Swift.max(
      1, (1 << 18) / (MemoryLayout<S>.stride * Swift.max(g.depth * g.positions, 1)))
    let byThreads = (g.batch + threads - 1) / threads
    samplesPerChunk = Swift.max(1, Swift.min(byWidth, byMemory, byThreads))
    chunks = (g.batch + samplesPerChunk - 1) / samplesPerChunk
    // Too few pairs to share: one thread walks them and the products split instead.
    (self.threads, inner) = chunks * g.groups >= threads ? (threads, 1) : (1, 0)
  }

  /// The samples of chunk `index`.
  func samples(_ index: Int, batch: Int) -> Range<Int> {
    (index * samplesPerChunk)..<Swift.min(batch, (index + 1) * samplesPerChunk)
  }
}

extension ConvolutionKernels {
  /// Runs `body(thread, pairs)` for `threads` fixed shares of the `chunks × groups` pairs.
  static func share(
    _ plan: ConvolutionPlan, groups: Int, _ body: @escaping @Sendable (Int, Range<Int>) -> Void
  ) {
    WorkerPool.shared.runShares(of: plan.chunks * groups, threads: plan.threads, body)
  }

  /// The offset of sample `sample`'s first plane of group `group` in an input-shaped tensor.
  @inline(__always)
  static func inputOffset(_ g: ConvolutionGeometry, _ sample: Int, _ group: Int) -> Int {
    (sample * g.inChannels + group * g.channelsPerGroup) * g.height * g.width
  }

  /// The offset of sample `sample`'s first output row of group `group`.
  @inline(__always)
  static func outputOffset(_ g: ConvolutionGeometry, _ sample: Int, _ group: Int) -> Int {
    (sample * g.outChannels + group * g.outputsPerGroup) * g.positions
  }

  /// The forward pass: per (chunk, group), the columns of the chunk's samples side by side,
  /// one product with the group's weights onto the broadcast bias, and the rows copied to each
  /// sample's output (written in place when a chunk is one sample).
  static func forward<S: TensorScalar>(
    _ output: UnsafeMutablePointer<S>, _ input: UnsafePointer<S>, _ weight: UnsafePointer<S>,
    _ bias: UnsafePointer<S>?, _ g: ConvolutionGeometry
  ) {
    let plan = ConvolutionPlan(g, S.self)
    let width = plan.samplesPerChunk * g.positions
    let packed = prefersPacked(g, samplesPerChunk: plan.samplesPerChunk)
    let transform = ColumnTransform(g, S.self, packed: packed)
    let productCount = plan.samplesPerChunk > 1 ? g.outputsPerGroup * width : 0
    let columnsCount = packed ? 0 : g.depth * width
    let perThread = columnsCount + productCount + transform.scratchCount
    let scratch = ScratchBuffer(byteCount: plan.threads * perThread * MemoryLayout<S>.stride)
    defer { scratch.free() }
    nonisolated(unsafe) let buffer = scratch.address.bindMemory(
      to: S.self, capacity: plan.threads * perThread)
    // On the packed path each group's kernels are packed once for every sample's product.
    let packedCount = packed ? GEMM.prepackedACount(S.self, m: g.outputsPerGroup, k: g.depth) : 0
    let packedWeights = ScratchBuffer(byteCount: g.groups * packedCount * MemoryLayout<S>.stride)
    defer { packedWeights.free() }
    nonisolated(unsafe) let packedWeight = packedWeights.address.bindMemory(
      to: S.self, capacity: g.groups * packedCount)
    for group in 0..<(packed ? g.groups : 0) {
      GEMM.prepackA(
        weight + group * g.outputsPerGroup * g.depth, lda: g.depth, m: g.outputsPerGroup,
        k: g.depth, into: packedWeight + group * packedCount)
    }
    nonisolated(unsafe) let (x, w, b, y) = (input, weight, bias, output)
    share(plan, groups: g.groups) { t, items in
      let columns = buffer + t * perThread
      let product = columns + columnsCount
      let bordered = product + productCount
      for item in items {
        let (chunk, group) = item.quotientAndRemainder(dividingBy: g.groups)
        let samples = plan.samples(chunk, batch: g.batch)
        let pitch = samples.count * g.positions
        let direct = samples.count == 1
        let firstOutput = group * g.outputsPerGroup
        let destination = direct ? y + outputOffset(g, samples.lowerBound, group) : product
        if let b {
          for o in 0..<g.outputsPerGroup {
            (destination + o * pitch).update(repeating: b[firstOutput + o], count: pitch)
          }
        }
        if packed {
          transform.multiplyPacked(
            x + inputOffset(g, samples.lowerBound, group), g, weight: w + firstOutput * g.depth,
            packedWeight: packedWeight + group * packedCount, beta: b == nil ? 0 : 1,
            scratch: bordered, into: destination,
            threads: plan.inner == 0 ? GEMM.coreCount : 1)
          continue
        }
        let right: UnsafePointer<S>
        if direct && g.isPointwise {
          right = x + inputOffset(g, samples.lowerBound, group)
        } else {
          for (i, sample) in samples.enumerated() {
            transform.unfold(
              x + inputOffset(g, sample, group), g, into: columns + i * g.positions,
              pitch: pitch, scratch: bordered)
          }
          right = UnsafePointer(columns)
        }
        GEMM.multiply(
          transposeA: false, transposeB: false, m: g.outputsPerGroup, n: pitch, k: g.depth,
          alpha: 1, w + firstOutput * g.depth, lda: g.depth, right, ldb: pitch,
          beta: b == nil ? 0 : 1, destination, ldc: pitch, threads: plan.inner)
        guard !direct else { continue }
        for (i, sample) in samples.enumerated() {
          let rows = y + outputOffset(g, sample, group)
          for o in 0..<g.outputsPerGroup {
            (rows + o * g.positions).update(
              from: product + o * pitch + i * g.positions, count: g.positions)
          }
        }
      }
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
