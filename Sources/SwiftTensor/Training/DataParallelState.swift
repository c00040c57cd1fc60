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
  /// The buckets in order, each a list of parameter slices filling at most `bucket.count`.
  let plan: [[Segment]]
  var bucket: [Scalar]

  init(communicator: Communicator, parameterCounts: [Int], bucketBytes: Int) {
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
    if !current.isEmpty { plan.append(current) }
    self.plan = plan
    bucket = Array(repeating: 0, count: capacity)
  }

  /// Replaces every gradient by `Σ_r count_r · gradient_r / Σ_r count_r` over the ranks, and
  /// every buffer likewise; returns `Σ_r count_r · loss_r / Σ_r count_r`.
  ///
  /// The counts, losses and buffers travel first, in one small allreduce, so that the global
  /// count is known when the gradient buckets are packed.
  func reduce(
    parameters: [Variable<Scalar>], buffers: [Variable<Scalar>], loss: Scalar, count: Int
  ) throws(DistributedError) -> Scalar {
    let weight = Scalar(count)
    var head: [Scalar] = [weight, count > 0 ? loss * weight : 0]
    for buffer in buffers {
      buffer.value.withUnsafeBufferPointer { values in
        for value in values { head.append(value * weight) }
      }
    }
    try communicator.allreduceSum(&head)
    let scale = 1 / head[0]
    var offset = 2
    for buffer in buffers {
      let values = head[offset..<(offset + buffer.value.scalarCount)].map { $0 * scale }
      buffer.value = Tensor(shape: buffer.value.shape, scalars: values)
      offset += values.count
    }
    for parameter in parameters where parameter.gradient == nil {
      parameter.gradient = Tensor(repeating: 0, shape: parameter.value.shape)
    }
    // This rank's share of the global batch: the gradients are scaled before the sum, so
    // that two equal shares are halved exactly.
    let share = weight * scale
    for segments in plan { try reduceBucket(segments, parameters: parameters, share: share) }
    return head[1] * scale
  }

  /// Packs one bucket's gradient slices times `share`, sums it across ranks, and unpacks it.
  private func reduceBucket(
    _ segments: [Segment], parameters: [Variable<Scalar>], share: Scalar
  ) throws(DistributedError) {
    let filled = segments.reduce(0) { $0 + $1.count }
    try bucket.withUnsafeMutableBufferPointer { bucket throws(DistributedError) in
      var offset = 0
      for segment in segments {
        // Every gradient exists: `reduce` creates the missing ones before the buckets.
        // Kernels, not loops: this code runs unspecialised, where a loop would move every
        // scalar through generic witnesses.
        parameters[segment.parameter].gradient?.withUnsafeBufferPointer { gradient in
          guard let source = gradient.baseAddress, let destination = bucket.baseAddress else {
            return
          }
          Scalar._unaryKernel(
            .multiplyScalar(share), source + segment.start, destination + offset,
            count: segment.count)
        }
        offset += segment.count
      }
      try communicator.allreduceSum(UnsafeMutableBufferPointer(rebasing: bucket[0..<filled]))
      offset = 0
      for segment in segments {
        let variable = parameters[segment.parameter]
        // Taken out, so that the write below finds the buffer unshared and copies nothing.
        if var gradient = variable.takeGradient() {
          gradient.withUnsafeMutableBufferPointer { gradient in
            guard let destination = gradient.baseAddress, let source = bucket.baseAddress else {
              return
            }
            (destination + segment.start).update(from: source + offset, count: segment.count)
          }
          variable.gradient = gradient
        }
        offset += segment.count
      }
    }
  }
}
