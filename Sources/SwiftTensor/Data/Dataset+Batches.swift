extension Dataset {
  /// The dataset cut into batches of `size` samples, in a shuffled (seeded) or the stored order.
  ///
  /// Every sample appears in exactly one batch; the last batch holds the remainder when `size`
  /// does not divide `count`. Each batch is a `Dataset` (inputs `[batchSize, features...]` and
  /// the matching labels or targets), built when it is accessed.
  ///
  /// ```swift
  /// for epoch in 0..<40 {
  ///   for batch in train.batches(size: 32, seed: UInt64(epoch)) { ... }
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - size: samples per batch, at least 1.
  ///   - shuffle: whether to permute the samples first; `false` keeps the stored order.
  ///   - seed: the permutation's seed; use a different one each epoch.
  /// - Precondition: `size > 0` and the dataset is not empty.
  public func batches(size: Int, shuffle: Bool = true, seed: UInt64 = 0) -> Batches {
    var generator = SeededGenerator(seed: seed)
    return batches(size: size, shuffle: shuffle, using: &generator)
  }

  /// The dataset cut into batches of `size` samples, shuffled with `generator` when `shuffle`
  /// is true; see `batches(size:shuffle:seed:)`.
  ///
  /// - Precondition: `size > 0` and the dataset is not empty.
  public func batches(
    size: Int, shuffle: Bool = true, using generator: inout some RandomNumberGenerator
  ) -> Batches {
    tensorPrecondition(size > 0, "Dataset.batches: batch size must be positive, got \(size)")
    tensorPrecondition(count > 0, "Dataset.batches: the dataset is empty")
    let order = shuffle ? seededPermutation(count: count, using: &generator) : Array(0..<count)
    return Batches(dataset: self, order: order, size: size)
  }

  /// The batches of one pass over a dataset; each element is a `Dataset` of at most `size`
  /// samples.
  public struct Batches: RandomAccessCollection, Sendable {
    /// The dataset the batches are drawn from.
    public let dataset: Dataset
    /// The sample indices in the order the batches visit them.
    public let order: [Int]
    /// The number of samples per batch (the last batch may hold fewer).
    public let size: Int

    /// The first batch's position, 0.
    public var startIndex: Int { 0 }
    /// The number of batches: `count / size`, rounded up.
    public var endIndex: Int { (order.count + size - 1) / size }

    /// The batch at `position`: the samples `order[position * size ..< (position + 1) * size]`.
    ///
    /// - Complexity: O(size · features): the rows are copied.
    public subscript(position: Int) -> Dataset {
      tensorPrecondition(
        position >= 0 && position < endIndex,
        "Dataset.Batches: batch \(position) is out of range (there are \(endIndex))")
      let start = position * size
      return dataset.subset(Array(order[start..<Swift.min(start + size, order.count)]))
    }
  }
}
