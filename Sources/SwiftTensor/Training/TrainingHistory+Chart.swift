import Foundation

extension TrainingHistory {
  /// A self-contained SVG chart of the history: a title, a panel for the loss and, when the
  /// epochs measured any, a panel for the metrics, sharing the epoch axis.
  ///
  /// Each panel has ticks and labels on both axes, a light grid and, to its right (never over
  /// the curves), a legend; training values are solid lines, validation values dashed, with
  /// dots when there are few epochs. The loss axis starts at 0 (or below, for a negative
  /// loss); the metrics axis is 0 to 1 when every metric lies there (accuracy), and spans the
  /// values otherwise. NaN and infinite values are left out. Any SVG viewer or browser shows
  /// it; `rsvg-convert -o history.png history.svg` makes a PNG.
  public func svg(
    title: String = "Training history", width: Int = 720, height: Int = 560
  )
    -> String
  {
    let count = Swift.max(epochs.count, 1)
    let losses = [
      ChartSeries("training loss", epochs.map(\.trainingLoss), color: 0, dashed: false),
      ChartSeries("validation loss", epochs.map(\.validationLoss), color: 0, dashed: true),
    ].filter(\.hasValues)
    let names = Set(epochs.flatMap { $0.trainingMetrics.keys })
      .union(epochs.flatMap { $0.validationMetrics.keys }).sorted()
    let metrics = names.enumerated().flatMap { index, name in
      [
        ChartSeries("training \(name)", metric(name), color: index + 1, dashed: false),
        ChartSeries(
          "validation \(name)", metric(name, validation: true), color: index + 1, dashed: true),
      ]
    }.filter(\.hasValues)
    // The legend's column fits its longest label (about 7 units a character at size 12).
    let longest = (losses + metrics).map(\.label.count).max() ?? 0
    let (left, right) = (64.0, Double(width) - Swift.max(170, 54 + 7 * Double(longest)))
    let (top, bottom) = (48.0, Double(height) - 44)
    let gap = 40.0
    let panelHeight = metrics.isEmpty ? bottom - top : (bottom - top - gap) / 2
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
    svg += "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    svg += "<text class=\"title\" x=\"\(number((left + right) / 2))\" y=\"28\" "
    svg += "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(escaped(title))</text>\n"
    let lossValues = losses.flatMap(\.finiteValues)
    let lossAxis = Axis(low: Swift.min(lossValues.min() ?? 0, 0), high: lossValues.max() ?? 1)
    let frame = ChartFrame(left: left, right: right, top: top, bottom: top + panelHeight)
    svg += panel(losses, label: "loss", axis: lossAxis, frame: frame, count: count)
    if !metrics.isEmpty {
      let values = metrics.flatMap(\.finiteValues)
      let unit = values.allSatisfy { (0...1).contains($0) }
      let axis =
        unit ? Axis(low: 0, high: 1) : Axis(low: values.min() ?? 0, high: values.max() ?? 1)
      let lower = ChartFrame(left: left, right: right, top: top + panelHeight + gap, bottom: bottom)
      svg += panel(metrics, label: "metrics", axis: axis, frame: lower, count: count)
    }
    svg += "<text class=\"axis-title\" x=\"\(number((left + right) / 2))\" "
    svg += "y=\"\(number(bottom + 36))\" text-anchor=\"middle\">epoch</text>\n"
    svg += "</svg>\n"
    return svg
  }

  /// One panel: grid, axes with ticks and labels, the curves and the legend at its right.
  private func panel(
    _ series: [ChartSeries], label: String, axis: Axis, frame: ChartFrame, count: Int
  ) -> String {
    func x(_ index: Int) -> Double {
      count == 1
        ? (frame.left + frame.right) / 2
        : frame.left + (frame.right - frame.left) * Double(index) / Double(count - 1)
    }
    func y(_ value: Double) -> Double {
      frame.bottom - (frame.bottom - frame.top) * (value - axis.low) / (axis.high - axis.low)
    }
    var svg = "<g class=\"panel\" data-name=\"\(label)\">\n"
    for tick in axis.ticks {
      let position = number(y(tick))
      svg += "<line class=\"grid\" x1=\"\(number(frame.left))\" y1=\"\(position)\" "
      svg += "x2=\"\(number(frame.right))\" y2=\"\(position)\" stroke=\"#e6e6e6\"/>\n"
      svg += "<text class=\"tick\" x=\"\(number(frame.left - 6))\" y=\"\(number(y(tick) + 4))\" "
      svg += "text-anchor=\"end\">\(axis.label(tick))</text>\n"
    }
    for epoch in Axis(low: 1, high: Double(count), integers: true).ticks {
      let position = number(x(Int(epoch) - 1))
      svg +=
        "<line class=\"grid\" x1=\"\(position)\" y1=\"\(number(frame.top))\" x2=\"\(position)\" "
      svg += "y2=\"\(number(frame.bottom))\" stroke=\"#e6e6e6\"/>\n"
      svg += "<text class=\"tick\" x=\"\(position)\" y=\"\(number(frame.bottom + 16))\" "
      svg += "text-anchor=\"middle\">\(Int(epoch))</text>\n"
    }
    svg += "<rect class=\"frame\" x=\"\(number(frame.left))\" y=\"\(number(frame.top))\" "
    svg += "width=\"\(number(frame.right - frame.left))\" "
    svg += "height=\"\(number(frame.bottom - frame.top))\" fill=\"none\" stroke=\"#333\"/>\n"
    let middle = number((frame.top + frame.bottom) / 2)
    svg += "<text class=\"axis-title\" x=\"18\" y=\"\(middle)\" text-anchor=\"middle\" "
    svg += "transform=\"rotate(-90 18 \(middle))\">\(label)</text>\n"
    for (index, curve) in series.enumerated() {
      let color = chartColors[curve.color % chartColors.count]
      let points = curve.values.enumerated().compactMap { index, value in
        value.flatMap { $0.isFinite ? "\(number(x(index))),\(number(y($0)))" : nil }
      }
      let dashing = curve.dashed ? " stroke-dasharray=\"6 4\"" : ""
      svg += "<polyline class=\"series\" data-label=\"\(escaped(curve.label))\" fill=\"none\" "
      svg +=
        "stroke=\"\(color)\" stroke-width=\"2\"\(dashing) points=\"\(points.joined(separator: " "))\"/>\n"
      if count <= 40 {
        for point in points {
          let xy = point.split(separator: ",")
          svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
      }
      let entry = frame.top + 10 + 18 * Double(index)
      let start = frame.right + 14
      svg += "<g class=\"legend\"><line x1=\"\(number(start))\" y1=\"\(number(entry))\" "
      svg += "x2=\"\(number(start + 24))\" y2=\"\(number(entry))\" stroke=\"\(color)\" "
      svg += "stroke-width=\"2\"\(dashing)/><text x=\"\(number(start + 30))\" "
      svg += "y=\"\(number(entry + 4))\">\(escaped(curve.label))</text></g>\n"
    }
    return svg + "</g>\n"
  }
}

/// A curve of the chart.
private struct ChartSeries {
  let label: String
  let values: [Double?]
  let color: Int
  let dashed: Bool

  init(_ label: String, _ values: [Double?], color: Int, dashed: Bool) {
    (self.label, self.values, self.color, self.dashed) = (label, values, color, dashed)
  }

  var finiteValues: [Double] { values.compactMap { $0 }.filter(\.isFinite) }
  var hasValues: Bool { !finiteValues.isEmpty }
}

/// Where a panel's plot area lies, in SVG units.
private struct ChartFrame {
  let left: Double
  let right: Double
  let top: Double
  let bottom: Double
}

/// A value axis rounded out to round ticks: steps of 1, 2 or 5 times a power of ten, about
/// five of them. An axis of integers (epochs) keeps its ends and ticks the round numbers
/// between them.
private struct Axis {
  let low: Double
  let high: Double
  let step: Double
  let integers: Bool

  init(low: Double, high: Double, integers: Bool = false) {
    let span = high > low ? high - low : Swift.max(Swift.abs(low), 1)
    let rough = span / (integers ? 6 : 5)
    let magnitude = pow(10, (log10(rough)).rounded(.down))
    var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? rough
    if integers { step = Swift.max(step.rounded(.up), 1) }
    (self.step, self.integers) = (step, integers)
    self.low = integers ? low : (low / step).rounded(.down) * step
    let top = integers ? high : (high / step).rounded(.up) * step
    self.high = top > self.low || integers ? top : self.low + step
  }

  var ticks: [Double] {
    let first = integers ? (low / step).rounded(.up) * step : low
    return Array(stride(from: first, through: high + step / 1000, by: step))
  }

  func label(_ value: Double) -> String {
    let decimals = Swift.max(0, Int(-log10(step).rounded(.down)))
    return String(format: "%.\(decimals)f", Swift.abs(value) < step / 1000 ? 0 : value)
  }
}

/// Distinct colours (matplotlib's default cycle): the loss first, then each metric.
private let chartColors = [
  "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf",
]

/// A coordinate with at most two decimals.
private func number(_ value: Double) -> String {
  String(format: "%.2f", value)
}

/// Text safe inside an SVG element or attribute.
private func escaped(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
