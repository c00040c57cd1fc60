/// The loss a `Trainer` minimises: a function of the model's output and the batch.
///
/// The built-in losses are `SoftmaxCrossEntropyLoss`, `MeanSquaredErrorLoss`,
/// `CTCSequenceLoss`, `BinaryCrossEntropyLoss`, `MeanAbsoluteErrorLoss`, `MeanHuberLoss` and
/// `NegativeLogLikelihoodLoss`; `CustomLoss` wraps a closure, and any other conformer works as
/// well:
///
/// ```swift
/// struct QuarticError<Scalar: TensorScalar>: TrainingLoss {
///   var name: String { "quartic error" }
///   func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar> {
///     guard let targets = batch.targets else { batch.missing("targets", for: name) }
///     return (output - Variable(targets, trainable: false)).pow(4).mean()
///   }
/// }
/// ```
///
/// A `Trainer` is generic over its loss, so the loss is called directly, not through an
/// existential, and a step stays specialised for the model, the optimiser and the loss.
public protocol TrainingLoss<Scalar> {
  /// The element type.
  associatedtype Scalar: TensorScalar

  /// The loss's name in messages: "softmax cross-entropy".
  var name: String { get }

  /// What the loss needs of `batch` that it lacks ("class labels"), or `nil` when it has
  /// everything; a trainer checks whole data sets with it before training.
  func missingRequirement(in batch: Batch<Scalar>) -> String?

  /// The metrics a trainer reports when it is given none.
  var defaultMetrics: [any Metric<Scalar>] { get }

  /// The loss of the model's output on a batch: a scalar variable on the output's tape, the
  /// mean over the batch's samples (the trainer weights it by the batch's size).
  ///
  /// - Precondition: `batch` has what the loss needs (see `missingRequirement(in:)`).
  func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
}

extension TrainingLoss {
  /// A loss needs nothing of a batch beyond its inputs unless it says so.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? { nil }
  /// No metrics, unless the loss says which fit it.
  public var defaultMetrics: [any Metric<Scalar>] { [] }
}

/// Softmax cross-entropy of the model's logits (`[batch, classes]`) against the batch's class
/// labels, averaged over the batch; the trainer reports accuracy with it by default.
///
/// Logits of rank 3 or more (`[batch, time, classes]`, a language model's) are the rows of
/// their leading axes, one label per row in row-major order (a `TokenBatch`'s targets).
public struct SoftmaxCrossEntropyLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// Creates the loss.
  @inlinable public init() {}
  /// "softmax cross-entropy".
  public var name: String { "softmax cross-entropy" }
  /// "class labels", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.labels == nil ? "class labels" : nil
  }
  /// Accuracy.
  public var defaultMetrics: [any Metric<Scalar>] { [Accuracy()] }
  /// The mean softmax cross-entropy.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let labels = batch.labels else { batch.missing("class labels", for: name) }
    guard output.value.rank > 2, let classes = output.value.shape.last, classes > 0 else {
      return output.softmaxCrossEntropy(labels: labels)
    }
    return output.reshaped(to: [output.value.scalarCount / classes, classes])
      .softmaxCrossEntropy(labels: labels)
  }
}

/// Mean squared error of the model's outputs against the batch's targets (same shape).
public struct MeanSquaredErrorLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// Creates the loss.
  @inlinable public init() {}
  /// "mean squared error".
  public var name: String { "mean squared error" }
  /// "targets", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.targets == nil ? "targets" : nil
  }
  /// The mean squared error.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let targets = batch.targets else { batch.missing("targets", for: name) }
    return output.squareLoss(target: Variable(targets, trainable: false))
  }
}

/// A loss written as a closure of the model's output and the batch, for one-off objectives.
///
/// ```swift
/// let trainer = Trainer(model, loss: { output, batch in
///   output.squareLoss(target: Variable(batch.targets!, trainable: false), reduction: .sum)
/// }, optimizer: SGD(learningRate: 0.1))
/// ```
public struct CustomLoss<Scalar: TensorScalar>: TrainingLoss {
  /// The loss's name in messages.
  public let name: String
  /// The closure: a scalar variable on the output's tape, the mean over the batch.
  public let body: (Variable<Scalar>, Batch<Scalar>) -> Variable<Scalar>

  /// Creates the loss from a closure.
  public init(
    name: String = "custom loss",
    _ body: @escaping (Variable<Scalar>, Batch<Scalar>) -> Variable<Scalar>
  ) {
    self.name = name
    self.body = body
  }

  /// The closure's value.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    body(output, batch)
  }
}

// `.softmaxCrossEntropy` and `.meanSquaredError` for each scalar type: a generic member would
// need `Self == SoftmaxCrossEntropyLoss<Self.Scalar>`, which Swift rejects as recursive. Generic
// code writes `SoftmaxCrossEntropyLoss()`.
extension TrainingLoss where Self == SoftmaxCrossEntropyLoss<Float> {
  /// Softmax cross-entropy against class labels; see `SoftmaxCrossEntropyLoss`.
  public static var softmaxCrossEntropy: Self { Self() }
}

extension TrainingLoss where Self == SoftmaxCrossEntropyLoss<Double> {
  /// Softmax cross-entropy against class labels; see `SoftmaxCrossEntropyLoss`.
  public static var softmaxCrossEntropy: Self { Self() }
}

extension TrainingLoss where Self == MeanSquaredErrorLoss<Float> {
  /// Mean squared error against targets; see `MeanSquaredErrorLoss`.
  public static var meanSquaredError: Self { Self() }
}

extension TrainingLoss where Self == MeanSquaredErrorLoss<Double> {
  /// Mean squared error against targets; see `MeanSquaredErrorLoss`.
  public static var meanSquaredError: Self { Self() }
}
