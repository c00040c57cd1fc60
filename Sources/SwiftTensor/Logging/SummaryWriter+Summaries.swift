// The summaries a `SummaryWriter` records: scalars, histograms and text, encoded as
// TensorBoard's `Summary` message (tag 1, simple_value 2, histo 5, tensor 8, metadata 9).

extension SummaryWriter {
  /// Records one value of the series `tag` (a chart in TensorBoard's Scalars tab) at `step`.
  ///
  /// The value is stored as a 32-bit float, as TensorBoard's `simple_value` is.
  ///
  /// - Parameters:
  ///   - tag: the series' name, such as `loss/train`.
  ///   - value: the value recorded.
  ///   - step: the position on the chart's horizontal axis.
  ///   - wallTime: seconds since 1970; the writer's clock when `nil`.
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public func addScalar(
    _ tag: String, _ value: Double, step: Int, wallTime: Double? = nil
  ) throws(SummaryWriterError) {
    try addScalars([(tag, value)], step: step, wallTime: wallTime)
  }

  /// Records several series' values at the same step in one event (one write), as TensorBoard
  /// reads each value as if it had been added alone.
  ///
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public func addScalars(
    _ values: [(tag: String, value: Double)], step: Int, wallTime: Double? = nil
  ) throws(SummaryWriterError) {
    try addEvent(step: step, wallTime: wallTime) { summary in
      for (tag, value) in values {
        summary.message(1) { entry in
          entry.string(1, tag)
          // `simple_value` is in the `value` oneof: written even when zero.
          entry.float(2, Float(value), always: true)
        }
      }
    }
  }

  /// Records the distribution of `values` (TensorBoard's Histograms and Distributions tabs).
  ///
  /// The finite values are counted in `bucketCount` buckets of equal width between their
  /// smallest and largest (a single bucket when they are all equal); NaN and infinities are
  /// left out. Nothing is written when no value is finite.
  ///
  /// - Precondition: `bucketCount > 0`.
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public func addHistogram(
    _ tag: String, values: some Sequence<Double>, step: Int, bucketCount: Int = 30,
    wallTime: Double? = nil
  ) throws(SummaryWriterError) {
    tensorPrecondition(bucketCount > 0, "SummaryWriter.addHistogram: bucketCount must be positive")
    let finite = values.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return }
    let buckets = low == high ? 1 : bucketCount
    let width = (high - low) / Double(buckets)
    var limits = (1...buckets).map { low + width * Double($0) }
    limits[buckets - 1] = high
    var counts = [Double](repeating: 0, count: buckets)
    var (sum, sumOfSquares) = (0.0, 0.0)
    for value in finite {
      let index = width > 0 ? Swift.min(Int((value - low) / width), buckets - 1) : 0
      counts[index] += 1
      sum += value
      sumOfSquares += value * value
    }
    try addEvent(step: step, wallTime: wallTime) { summary in
      summary.message(1) { entry in
        entry.string(1, tag)
        entry.message(5) { histogram in
          histogram.double(1, low)
          histogram.double(2, high)
          histogram.double(3, Double(finite.count))
          histogram.double(4, sum)
          histogram.double(5, sumOfSquares)
          histogram.packedDoubles(6, limits)
          histogram.packedDoubles(7, counts)
        }
      }
    }
  }

  /// Records the distribution of a tensor's elements; see `addHistogram(_:values:step:)`.
  ///
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public func addHistogram<Scalar: TensorScalar>(
    _ tag: String, _ tensor: Tensor<Scalar>, step: Int, bucketCount: Int = 30,
    wallTime: Double? = nil
  ) throws(SummaryWriterError) {
    try addHistogram(
      tag, values: tensor.scalars.lazy.map { Double($0) }, step: step, bucketCount: bucketCount,
      wallTime: wallTime)
  }

  /// Records a piece of text (TensorBoard's Text tab renders it as Markdown), such as the
  /// run's options.
  ///
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public func addText(
    _ tag: String, _ text: String, step: Int, wallTime: Double? = nil
  ) throws(SummaryWriterError) {
    try addEvent(step: step, wallTime: wallTime) { summary in
      summary.message(1) { entry in
        entry.string(1, tag)
        // A rank-1 string tensor of one element (DT_STRING is 7).
        entry.message(8) { tensor in
          tensor.int64(1, 7)
          tensor.message(2) { shape in shape.message(2) { dimension in dimension.int64(1, 1) } }
          tensor.bytes(8, Array(text.utf8), always: true)
        }
        entry.message(9) { metadata in
          metadata.message(1) { plugin in plugin.string(1, "text") }
        }
      }
    }
  }
}
