/// Samples for training or evaluation: an inputs tensor whose first axis indexes the samples,
/// and, per sample, a class label or a target tensor row.
///
/// ```swift
/// let (train, test) = try Digits.load(as: Float.self)     // 1,347 and 450 samples
/// for batch in train.batches(size: 64, seed: epoch) {
///   // batch.inputs has shape [64, 64] (the last batch may be smaller); batch.labels its classes
/// }
/// ```
///
/// A dataset is a value; `subset`, `split` and batches copy the rows they select.
public struct Dataset<Scalar: TensorScalar>: Sendable, Equatable {
  /// What a dataset predicts for each sample.
  public enum Targets: Sendable, Equatable {
    /// One class index per sample (classification).
    case labels([Int])
    /// A tensor of shape `[count, ...]`: one row per sample (regression).
    case values(Tensor<Scalar>)
  }

  /// The inputs, shape `[count, features...]`.
  public let inputs: Tensor<Scalar>
  /// The targets: `count` labels or a `[count, ...]` tensor.
  public let targets: Targets

  /// Creates a classification dataset.
  ///
  /// - Parameters:
  ///   - inputs: shape `[count, features...]`, rank at least 1.
  ///   - labels: `count` class indices.
  /// - Precondition: `labels.count` equals the first dimension of `inputs`.
  public init(inputs: Tensor<Scalar>, labels: [Int]) {
    Self.checkRank(inputs)
    tensorPrecondition(
      labels.count == inputs.shape[0],
      "Dataset: \(labels.count) labels for inputs of shape \(describe(shape: inputs.shape)), "
        + "expected \(inputs.shape[0])")
    self.inputs = inputs
    self.targets = .labels(labels)
  }

  /// Creates a regression dataset.
  ///
  /// - Parameters:
  ///   - inputs: shape `[count, features...]`, rank at least 1.
  ///   - targets: shape `[count, ...]`, rank at least 1.
  /// - Precondition: both tensors have the same first dimension.
  public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) {
    Self.checkRank(inputs)
    tensorPrecondition(
      targets.rank >= 1 && targets.shape[0] == inputs.shape[0],
      "Dataset: targets of shape \(describe(shape: targets.shape)) for inputs of shape "
        + "\(describe(shape: inputs.shape)), expected a first dimension of \(inputs.shape[0])")
    self.inputs = inputs
    self.targets = .values(targets)
  }

  private static func checkRank(_ inputs: Tensor<Scalar>) {
    tensorPrecondition(
      inputs.rank >= 1,
      "Dataset: inputs must have a sample axis, got shape \(describe(shape: inputs.shape))")
  }

  /// The number of samples.
  public var count: Int { inputs.shape[0] }

  /// The class labels, or nil for a regression dataset.
  public var labels: [Int]? {
    if case .labels(let labels) = targets { labels } else { nil }
  }

  /// The target tensor (shape `[count, ...]`), or nil for a classification dataset.
  public var targetValues: Tensor<Scalar>? {
    if case .values(let values) = targets { values } else { nil }
  }

  /// The samples at `indices`, in that order (an index may repeat).
  ///
  /// - Precondition: every index is in `0..<count`.
  /// - Complexity: O(k · f) for `k` indices of `f` scalars per sample.
  public func subset(_ indices: [Int]) -> Dataset {
    for index in indices {
      tensorPrecondition(
        index >= 0 && index < count,
        "Dataset.subset: index \(index) is out of range for a dataset of \(count) samples")
    }
    let rows = gatherRows(inputs, indices)
    switch targets {
    case .labels(let labels): return Dataset(inputs: rows, labels: indices.map { labels[$0] })
    case .values(let values): return Dataset(inputs: rows, targets: gatherRows(values, indices))
    }
  }

  /// Shuffles the samples with `seed`, then splits them into a training part and a test part.
  ///
  /// The training part gets `floor(trainingFraction · count)` samples (1,347 of 1,797 for
  /// 0.75, as scikit-learn's `train_test_split` does), the test part the rest; the two are
  /// disjoint, and the same seed always gives the same split.
  ///
  /// - Precondition: `trainingFraction` is in `0...1`.
  public func split(
    trainingFraction: Double = 0.75, seed: UInt64
  ) -> (train: Dataset, test: Dataset) {
    tensorPrecondition(
      trainingFraction >= 0 && trainingFraction <= 1,
      "Dataset.split: training fraction \(trainingFraction) is outside 0...1")
    var generator = SeededGenerator(seed: seed)
    let order = seededPermutation(count: count, using: &generator)
    // The small tolerance keeps products such as 0.29 × 100 = 28.999999999999996 at 29.
    let trainingCount = min(count, Int((Double(count) * trainingFraction + 1e-9).rounded(.down)))
    return (
      subset(Array(order[..<trainingCount])), subset(Array(order[trainingCount...]))
    )
  }
}

/// The rows of `tensor` (along its first axis) at `indices`, in order.
func gatherRows<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, _ indices: [Int]) -> Tensor<Scalar>
{
  var shape = tensor.shape
  shape[0] = indices.count
  let rowSize = shape.dropFirst().reduce(1, *)
  return Tensor(shape: shape, operation: "Dataset") { destination in
    CopyKernels.gatherRows(tensor.baseAddress, width: rowSize, at: indices, into: destination)
  }
}
