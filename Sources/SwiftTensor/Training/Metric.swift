/// A quantity a `Trainer` measures on the model's output, per epoch, for training and
/// validation, and records in the history under its `name`.
///
/// A metric gives its sum over a batch's samples; the trainer adds the sums of an epoch and
/// divides by the number of samples, so the history holds the mean per sample.
///
/// ```swift
/// let trainer = Trainer(
///   model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1),
///   metrics: [Accuracy(), CustomMetric(name: "first class") { output, batch in
///     Double(batch.labels!.filter { $0 == 0 }.count)
///   }])
/// ```
public protocol Metric<Scalar> {
  /// The element type.
  associatedtype Scalar: TensorScalar

  /// The name the history records the metric under: "accuracy".
  var name: String { get }

  /// The metric summed over the samples of `batch`, given the model's `output` on it (in
  /// evaluation mode for validation).
  func total(_ output: Tensor<Scalar>, _ batch: Batch<Scalar>) -> Double
}

/// The fraction of samples whose largest score (`argmax` over the classes of a
/// `[batch, classes]` output) is their class label; named "accuracy".
public struct Accuracy<Scalar: TensorScalar>: Metric, Sendable {
  /// Creates the metric.
  @inlinable public init() {}

  /// "accuracy".
  public var name: String { "accuracy" }

  /// The number of samples classified correctly.
  ///
  /// An output of rank 3 or more counts the rows of its leading axes, one label per row.
  ///
  /// - Precondition: the batch has class labels, and `output` has shape `[batch, classes]`
  ///   (or `[..., classes]` with one row per label).
  public func total(_ output: Tensor<Scalar>, _ batch: Batch<Scalar>) -> Double {
    guard let labels = batch.labels else { batch.missing("class labels", for: name) }
    if output.rank > 2, let classes = output.shape.last, classes > 0 {
      return total(output.reshaped(to: [output.scalarCount / classes, classes]), batch)
    }
    tensorPrecondition(
      output.rank == 2 && output.shape[0] == labels.count,
      "accuracy: an output of shape \(describe(shape: output.shape)) for \(labels.count) "
        + "labels; expected [\(labels.count), classes]")
    return Double(MetricKernels.argmaxMatchCount(output, labels: labels))
  }
}

/// A metric written as a closure that sums it over a batch's samples.
public struct CustomMetric<Scalar: TensorScalar>: Metric {
  /// The name the history records the metric under.
  public let name: String
  /// The closure: the metric summed over the batch's samples, given the model's output.
  public let body: (Tensor<Scalar>, Batch<Scalar>) -> Double

  /// Creates the metric from a closure.
  public init(name: String, _ body: @escaping (Tensor<Scalar>, Batch<Scalar>) -> Double) {
    self.name = name
    self.body = body
  }

  /// The closure's value.
  public func total(_ output: Tensor<Scalar>, _ batch: Batch<Scalar>) -> Double {
    body(output, batch)
  }
}
