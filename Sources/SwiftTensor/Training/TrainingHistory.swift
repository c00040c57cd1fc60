/// What happened in one epoch of training.
public struct EpochRecord: Sendable, Equatable {
  /// The epoch number, from 1.
  public var epoch: Int
  /// The mean training loss over the epoch's batches (weighted by batch size).
  public var trainingLoss: Double
  /// The mean of each metric over the epoch's training samples, by metric name.
  public var trainingMetrics: [String: Double]
  /// The loss on the validation set, if one was given.
  public var validationLoss: Double?
  /// The mean of each metric over the validation set, by metric name (empty without one).
  public var validationMetrics: [String: Double]
  /// Wall-clock seconds of the epoch, evaluation included.
  public var seconds: Double
  /// The batches skipped because their loss or gradient norm was not finite (see
  /// `NonFinitePolicy`).
  public var skippedBatches: Int

  /// The training accuracy, for classifiers: the metric named "accuracy".
  public var trainingAccuracy: Double? {
    get { trainingMetrics["accuracy"] }
    set { trainingMetrics["accuracy"] = newValue }
  }

  /// The accuracy on the validation set, for classifiers: the metric named "accuracy".
  public var validationAccuracy: Double? {
    get { validationMetrics["accuracy"] }
    set { validationMetrics["accuracy"] = newValue }
  }

  /// Creates a record; the accuracies, if given, join the metrics under "accuracy".
  public init(
    epoch: Int, trainingLoss: Double, trainingAccuracy: Double? = nil,
    validationLoss: Double? = nil, validationAccuracy: Double? = nil,
    trainingMetrics: [String: Double] = [:], validationMetrics: [String: Double] = [:],
    seconds: Double, skippedBatches: Int = 0
  ) {
    self.epoch = epoch
    self.skippedBatches = skippedBatches
    self.trainingLoss = trainingLoss
    self.trainingMetrics = trainingMetrics
    self.validationLoss = validationLoss
    self.validationMetrics = validationMetrics
    self.seconds = seconds
    if let trainingAccuracy { self.trainingAccuracy = trainingAccuracy }
    if let validationAccuracy { self.validationAccuracy = validationAccuracy }
  }
}

/// The record of a training run, one entry per epoch.
public struct TrainingHistory: Sendable {
  /// The epochs, in order.
  public var epochs: [EpochRecord] = []

  /// Creates an empty history.
  public init() {}

  /// The value of the metric `name` after each epoch, for training or validation (`nil` for
  /// an epoch that did not measure it).
  public func metric(_ name: String, validation: Bool = false) -> [Double?] {
    epochs.map { (validation ? $0.validationMetrics : $0.trainingMetrics)[name] }
  }

  /// A self-contained SVG chart of loss (left axis) and accuracy (right axis, 0-1) per epoch.
  public func svg(width: Int = 640, height: Int = 360) -> String {
    let left = 56.0
    let right = Double(width) - 56
    let top = 24.0
    let bottom = Double(height) - 40
    let count = Swift.max(epochs.count, 2)
    let losses = epochs.flatMap { [$0.trainingLoss] + ($0.validationLoss.map { [$0] } ?? []) }
    let maxLoss = Swift.max(losses.filter(\.isFinite).max() ?? 1, 1e-12)
    func x(_ index: Int) -> Double { left + (right - left) * Double(index) / Double(count - 1) }
    func yLoss(_ value: Double) -> Double { bottom - (bottom - top) * value / maxLoss }
    func yAccuracy(_ value: Double) -> Double { bottom - (bottom - top) * value }
    func path(_ values: [Double?], _ y: (Double) -> Double, color: String, dash: Bool) -> String {
      let points = values.enumerated().compactMap { index, value in
        value.map { "\(format(x(index))),\(format(y($0)))" }
      }
      guard !points.isEmpty else { return "" }
      let dashing = dash ? " stroke-dasharray=\"6 4\"" : ""
      return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashing) "
        + "points=\"\(points.joined(separator: " "))\"/>\n"
    }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
    svg += "font-family=\"sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    svg +=
      "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    svg +=
      "<line x1=\"\(right)\" y1=\"\(top)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    svg +=
      "<text x=\"\(left - 6)\" y=\"\(top + 4)\" text-anchor=\"end\">\(format(maxLoss))</text>\n"
    svg += "<text x=\"\(left - 6)\" y=\"\(bottom)\" text-anchor=\"end\">0</text>\n"
    svg += "<text x=\"\(right + 6)\" y=\"\(top + 4)\">1</text>\n"
    svg += "<text x=\"\(right + 6)\" y=\"\(bottom)\">0</text>\n"
    svg += "<text x=\"\((left + right) / 2)\" y=\"\(Double(height) - 10)\" text-anchor=\"middle\">"
    svg += "epoch (1-\(epochs.count))</text>\n"
    svg += path(epochs.map(\.trainingLoss), yLoss, color: "#1f77b4", dash: false)
    svg += path(epochs.map(\.validationLoss), yLoss, color: "#1f77b4", dash: true)
    svg += path(epochs.map(\.trainingAccuracy), yAccuracy, color: "#d62728", dash: false)
    svg += path(epochs.map(\.validationAccuracy), yAccuracy, color: "#d62728", dash: true)
    svg += "<text x=\"\(left + 8)\" y=\"\(top + 14)\" fill=\"#1f77b4\">loss</text>\n"
    svg += "<text x=\"\(left + 48)\" y=\"\(top + 14)\" fill=\"#d62728\">accuracy</text>\n"
    svg += "<text x=\"\(left + 118)\" y=\"\(top + 14)\">(dashed: validation)</text>\n"
    svg += "</svg>\n"
    return svg
  }
}

private func format(_ value: Double) -> String {
  String((value * 1000).rounded() / 1000)
}
