/// What a data-parallel trainer keeps between steps: the communicator, the plan of gradient
/// buckets and the bucket's scratch buffer.
@usableFromInline
final class DataParallelState<Scalar: TensorScalar> {
  /// One parameter's slice in a bucket.
  struct Segment {
    let parameter: Int
    let start: Int
    let count: Int
  }

  @usableFromInline let communicator: Communicator
  /// The buckets in order, each a list of parameter slices filling at most `capacity`.
  let plan: [[Segment]]
  /// Scalars ahead of the first bucket's gradients: the sample count, the loss and the buffers.
  let headCount: Int
  var bucket: [Scalar]

  init(
    communicator: Communicator, parameterCounts: [Int], bufferCounts: [Int], bucketBytes: Int
  ) {
    self.communicator = communicator
    let capacity = max(
      1, min(parameterCounts.reduce(0, +), bucketBytes / MemoryLayout<Scalar>.stride))
    var plan: [[Segment]] = []
    var current: [Segment] = []
    var filled = 0
    for (parameter, count) in parameterCounts.enumerated() {
      var start = 0
      while start < count {
        let take = min(count - start, capacity - filled)
        current.append(Segment(parameter: parameter, start: start, count: take))
        (filled, start) = (filled + take, start + take)
        if filled == capacity {
          plan.append(current)
          (current, filled) = ([], 0)
        }
      }
    }
    if !current.isEmpty || plan.isEmpty { plan.append(current) }
    self.plan = plan
    headCount = 2 + bufferCounts.reduce(0, +)
    bucket = Array(repeating: 0, count: headCount + capacity)
  }

  /// Replaces every gradient by `Σ_r count_r · gradient_r / Σ_r count_r` over the ranks, and
  /// every buffer likewise; returns `Σ_r count_r · loss_r / Σ_r count_r`.
  ///
  /// Every rank sends its sums weighted by its own count, so no rank needs the global count
  /// before the reduction: the count, loss and buffers ride at the head of the first bucket,
  /// written there directly, and a model whose gradients fit one bucket costs one allreduce
  /// and no allocation per step (small models' steps are latency-bound). Specialised: the
  /// trainer calls it from unspecialised code.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  func reduce(
    parameters: [Variable<Scalar>], buffers: [Variable<Scalar>], loss: Scalar, count: Int
  ) throws(DistributedError) -> Scalar {
    let weight = Scalar(count)
    for parameter in parameters where parameter.gradient == nil {
      parameter.gradient = Tensor(repeating: 0, shape: parameter.value.shape)
    }
    bucket.withUnsafeMutableBufferPointer { head in
      head[0] = weight
      head[1] = count > 0 ? loss * weight : 0
      var offset = 2
      for buffer in buffers {
        buffer.value.withUnsafeBufferPointer { values in
          for value in values {
            head[offset] = value * weight
            offset += 1
          }
        }
      }
    }
    try reduceBucket(plan[0], from: headCount, weight: weight, parameters: parameters)
    // The head's first scalar is now the global count: every unpack scales by its inverse.
    // Read before a later bucket overwrites it.
    let scale = 1 / bucket[0]
    let meanLoss = bucket[1] * scale
    var offset = 2
    for buffer in buffers {
      let values = bucket[offset..<(offset + buffer.value.scalarCount)].map { $0 * scale }
      buffer.value = Tensor(shape: buffer.value.shape, scalars: values)
      offset += values.count
    }
    unpack(plan[0], offset: headCount, scale: scale, parameters: parameters)
    for segments in plan.dropFirst() {
      try reduceBucket(segments, from: 0, weight: weight, parameters: parameters)
      unpack(segments, offset: 0, scale: scale, parameters: parameters)
    }
    return meanLoss
  }

  /// Packs one bucket's gradient slices times `weight` (this rank's count) from `start` on,
  /// after the `start` scalars already written there, and sums the bucket across ranks.
  private func reduceBucket(
    _ segments: [Segment], from start: Int, weight: Scalar, parameters: [Variable<Scalar>]
  ) throws(DistributedError) {
    let filled = start + segments.reduce(0) { $0 + $1.count }
    try bucket.withUnsafeMutableBufferPointer { bucket throws(DistributedError) in
      guard let base = bucket.baseAddress else { return }
      var offset = start
      for segment in segments {
        // Every gradient exists: `reduce` creates the missing ones before the buckets.
        // Kernels, not loops: this code runs unspecialised, where a loop would move every
        // scalar through generic witnesses.
        parameters[segment.parameter].gradient?.withUnsafeBufferPointer { gradient in
          guard let source = gradient.baseAddress else { return }
          Scalar._unaryKernel(
            .multiplyScalar(weight), source + segment.start, base + offset, count: segment.count)
        }
        offset += segment.count
      }
      try communicator.allreduceSum(UnsafeMutableBufferPointer(rebasing: bucket[0..<filled]))
    }
  }

  /// Writes the summed bucket's gradient slices, from `offset` on, times `scale` into the
  /// parameters' gradients.
  private func unpack(
    _ segments: [Segment], offset start: Int, scale: Scalar, parameters: [Variable<Scalar>]
  ) {
    bucket.withUnsafeBufferPointer { bucket in
      guard let base = bucket.baseAddress else { return }
      var offset = start
      for segment in segments {
        let variable = parameters[segment.parameter]
        // Taken out, so that the write below finds the buffer unshared and copies nothing.
        if var gradient = variable.takeGradient() {
          gradient.withUnsafeMutableBufferPointer { gradient in
            guard let destination = gradient.baseAddress else { return }
            Scalar._unaryKernel(
              .multiplyScalar(scale), base + offset, destination + segment.start,
              count: segment.count)
          }
          variable.gradient = gradient
        }
        offset += segment.count
      }
    }
  }
}
