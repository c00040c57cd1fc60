/// CTC loss of the model's logits (`[batch, time, classes]`) against the batch's label
/// sequences, for models that read sequences without a frame-by-frame alignment.
///
/// Each sample uses its first `inputLengths[b]` frames when the batch gives input lengths, all
/// `time` frames otherwise. The loss is `CTCLoss`'s `.mean` reduction: each sample's negative
/// log-likelihood divided by its label length, averaged over the batch.
///
/// ```swift
/// let trainer = Trainer(model, loss: .ctc(), optimizer: Adam(learningRate: 0.01))
/// trainer.trainStep(on: Batch(inputs: frames, labelSequences: [[1, 2], [3]], inputLengths: [9, 5]))
/// ```
public struct CTCSequenceLoss<Scalar: TensorScalar>: TrainingLoss, Sendable {
  /// The class index of the blank.
  public let blank: Int

  /// Creates the loss.
  @inlinable
  public init(blank: Int = 0) { self.blank = blank }

  /// "CTC".
  public var name: String { "CTC" }

  /// "label sequences", when the batch has none.
  public func missingRequirement(in batch: Batch<Scalar>) -> String? {
    batch.labelSequences == nil ? "label sequences" : nil
  }

  /// The mean CTC loss.
  @inlinable
  public func callAsFunction(_ output: Variable<Scalar>, _ batch: Batch<Scalar>) -> Variable<Scalar>
  {
    guard let sequences = batch.labelSequences else { batch.missing("label sequences", for: name) }
    tensorPrecondition(
      output.shape.count == 3,
      "CTC: the model's output has shape \(describe(shape: output.shape)); expected "
        + "[batch, time, classes]")
    let lengths = batch.inputLengths ?? Array(repeating: output.shape[1], count: output.shape[0])
    return output.ctcLoss(labels: sequences, inputLengths: lengths, blank: blank)
  }
}

extension TrainingLoss {
  /// CTC against label sequences, with `blank` the blank's class; see `CTCSequenceLoss`.
  public static func ctc<S>(blank: Int = 0) -> Self where Self == CTCSequenceLoss<S> {
    CTCSequenceLoss(blank: blank)
  }
}
