/// One batch of training data: inputs, and what the loss compares the model's output with
/// (class labels, regression targets, or label sequences for CTC).
///
/// A batch holds whatever its loss needs; the others stay `nil`. A loss that finds its field
/// missing stops with a message naming itself and the field.
public struct Batch<Scalar: TensorScalar> {
  /// The inputs, `[batch, features...]`.
  public var inputs: Tensor<Scalar>
  /// The class of each sample, for classification: `batch` indices.
  public var labels: [Int]?
  /// The target of each sample, `[batch, outputs...]`, for regression.
  public var targets: Tensor<Scalar>?
  /// The label sequence of each sample, of any lengths, for sequence losses such as CTC.
  public var labelSequences: [[Int]]?
  /// The number of valid frames of each sample, for sequence inputs padded to a common length;
  /// `nil` when every frame is valid.
  public var inputLengths: [Int]?

  /// Creates a batch.
  ///
  /// - Parameters:
  ///   - inputs: shape `[batch, features...]`.
  ///   - labels: `batch` class indices, for classification.
  ///   - targets: shape `[batch, outputs...]`, for regression.
  ///   - labelSequences: `batch` label sequences, for sequence losses.
  ///   - inputLengths: `batch` valid frame counts, for padded sequence inputs.
  public init(
    inputs: Tensor<Scalar>, labels: [Int]? = nil, targets: Tensor<Scalar>? = nil,
    labelSequences: [[Int]]? = nil, inputLengths: [Int]? = nil
  ) {
    self.inputs = inputs
    self.labels = labels
    self.targets = targets
    self.labelSequences = labelSequences
    self.inputLengths = inputLengths
  }

  /// The batch holding a dataset's samples.
  public init(_ dataset: Dataset<Scalar>) {
    self.init(inputs: dataset.inputs, labels: dataset.labels, targets: dataset.targetValues)
  }

  /// The number of samples.
  public var count: Int { inputs.shape.first ?? 0 }

  /// What the batch holds besides its inputs, for messages: "class labels and targets".
  public var contentsDescription: String {
    var contents: [String] = []
    if labels != nil { contents.append("class labels") }
    if targets != nil { contents.append("targets") }
    if labelSequences != nil { contents.append("label sequences") }
    return contents.isEmpty ? "only inputs" : contents.joined(separator: " and ")
  }

  /// Stops because the `loss` needs `what` (a field of the batch, "class labels") and this
  /// batch has none: the message names both and what the batch holds instead.
  ///
  /// Losses call it when a field they need is `nil`.
  public func missing(_ what: String, for loss: String) -> Never {
    tensorFailure("\(loss): the batch has \(contentsDescription), but \(loss) needs \(what)")
  }
}
