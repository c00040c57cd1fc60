/// A `Trainer` callback that logs training to TensorBoard through a `SummaryWriter`.
///
/// Every `stepInterval` steps it records, at the global step, the scalars `step/loss`,
/// `step/learning_rate` and `step/gradient_norm` (the norm before clipping). After every epoch
/// it records, at the epoch number, `epoch/loss`, each metric as `epoch/<name>`, the
/// validation loss and metrics as `epoch/val_loss` and `epoch/val_<name>`, `epoch/seconds` and
/// `epoch/skipped_batches`; then, every `histogramInterval` epochs, a histogram of each
/// parameter (`parameters/<path>`) and of its gradient from the epoch's last step
/// (`gradients/<path>`); and it flushes the file to disk.
///
/// ```swift
/// let writer = try SummaryWriter(directory: "runs/digits")
/// let logger = TensorBoardCallback(writer: writer, parameters: model.parameters)
/// try trainer.fit(train, validation: test, epochs: 10, batchSize: 32, callbacks: [logger])
/// ```
///
/// In data-parallel training give it to one process only (rank 0): every process sees the same
/// reduced values.
public struct TensorBoardCallback<Scalar: TensorScalar>: TrainingCallback {
  /// Where the events go.
  public let writer: SummaryWriter
  /// The parameters whose values and gradients are drawn as histograms.
  public let parameters: [NamedParameter<Scalar>]
  /// Steps between two records of the step scalars (1 records every step).
  public let stepInterval: Int
  /// Epochs between two sets of histograms; 0 records none.
  public let histogramInterval: Int

  /// Creates the callback.
  ///
  /// - Parameters:
  ///   - writer: where the events go.
  ///   - parameters: usually `model.parameters`; none draws no histograms.
  ///   - stepInterval: steps between two records of the step scalars (1 records every step).
  ///   - histogramInterval: epochs between two sets of histograms; 0 records none.
  /// - Precondition: `stepInterval > 0` and `histogramInterval >= 0`.
  public init(
    writer: SummaryWriter, parameters: [NamedParameter<Scalar>] = [], stepInterval: Int = 1,
    histogramInterval: Int = 1
  ) {
    tensorPrecondition(
      stepInterval > 0, "TensorBoardCallback: stepInterval must be positive, got \(stepInterval)")
    tensorPrecondition(
      histogramInterval >= 0,
      "TensorBoardCallback: histogramInterval must not be negative, got \(histogramInterval)")
    self.writer = writer
    self.parameters = parameters
    self.stepInterval = stepInterval
    self.histogramInterval = histogramInterval
  }

  /// Records the step's loss, learning rate and gradient norm every `stepInterval` steps.
  ///
  /// - Throws: `SummaryWriterError` when the event cannot be written.
  public mutating func stepEnded(_ record: StepRecord) throws {
    guard record.step % stepInterval == 0 else { return }
    try writer.addScalars(
      [
        ("step/loss", record.loss), ("step/learning_rate", record.learningRate),
        ("step/gradient_norm", record.gradientNorm),
      ], step: record.step)
  }

  /// Records the epoch's scalars and histograms, flushes, and lets training go on.
  ///
  /// - Throws: `SummaryWriterError` when an event cannot be written.
  public mutating func epochEnded(_ record: EpochRecord) throws -> Bool {
    var values: [(tag: String, value: Double)] = [("epoch/loss", record.trainingLoss)]
    for (name, value) in record.trainingMetrics.sorted(by: { $0.key < $1.key }) {
      values.append(("epoch/\(name)", value))
    }
    if let loss = record.validationLoss { values.append(("epoch/val_loss", loss)) }
    for (name, value) in record.validationMetrics.sorted(by: { $0.key < $1.key }) {
      values.append(("epoch/val_\(name)", value))
    }
    values.append(("epoch/seconds", record.seconds))
    values.append(("epoch/skipped_batches", Double(record.skippedBatches)))
    try writer.addScalars(values, step: record.epoch)
    if histogramInterval > 0 && record.epoch % histogramInterval == 0 {
      for parameter in parameters {
        let variable = parameter.variable
        try writer.addHistogram("parameters/\(parameter.path)", variable.value, step: record.epoch)
        if let gradient = variable.gradient {
          try writer.addHistogram("gradients/\(parameter.path)", gradient, step: record.epoch)
        }
      }
    }
    try writer.flush()
    return true
  }
}
