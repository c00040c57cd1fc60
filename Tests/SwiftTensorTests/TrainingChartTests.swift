import Foundation
import Testing

@testable import SwiftTensor

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The SVG training chart, parsed as XML: title, panels, ticks, grid, curves, and a legend
/// outside the plot areas.
@Suite struct TrainingChartTests {
  /// An SVG element: its name, attributes, text and the panel it is in.
  struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""
    var panel: String?
  }

  /// Collects every element of a document.
  final class Collector: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    var open: [Int] = []
    var panel: String?

    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String]
    ) {
      if attributes["class"] == "panel" { panel = attributes["data-name"] }
      elements.append(Element(name: name, attributes: attributes, panel: panel))
      open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      if let last = open.last { elements[last].text += string }
    }

    func parser(
      _ parser: XMLParser, didEndElement name: String, namespaceURI: String?,
      qualifiedName: String?
    ) {
      open.removeLast()
      if name == "g", open.allSatisfy({ elements[$0].attributes["class"] != "panel" }) {
        panel = nil
      }
    }
  }

  func parse(_ svg: String) throws -> [Element] {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    #expect(parser.parse(), "the SVG is well-formed XML")
    return collector.elements
  }

  func history(metrics: (Int) -> [String: Double]) -> TrainingHistory {
    var history = TrainingHistory()
    for epoch in 1...12 {
      history.epochs.append(
        EpochRecord(
          epoch: epoch, trainingLoss: 2 / Double(epoch), validationLoss: 2.2 / Double(epoch),
          trainingMetrics: metrics(epoch), validationMetrics: metrics(epoch), seconds: 0.1))
    }
    return history
  }

  @Test func classifierChartHasTwoPanelsWithTicksGridAndAnOutsideLegend() throws {
    let chart = history { ["accuracy": 0.5 + 0.04 * Double($0)] }
    let elements = try parse(chart.svg(title: "Digits <MLP>"))
    #expect(elements.first { $0.attributes["class"] == "title" }?.text == "Digits <MLP>")
    let panels = elements.filter { $0.attributes["class"] == "panel" }
    #expect(panels.compactMap { $0.attributes["data-name"] } == ["loss", "metrics"])
    for name in ["loss", "metrics"] {
      let inPanel = elements.filter { $0.panel == name }
      let frame = try #require(inPanel.first { $0.attributes["class"] == "frame" })
      let right = try #require(Double(frame.attributes["x"] ?? "")).advanced(
        by: try #require(Double(frame.attributes["width"] ?? "")))
      #expect(inPanel.filter { $0.attributes["class"] == "grid" }.count >= 8)
      let ticks = inPanel.filter { $0.attributes["class"] == "tick" }.map(\.text)
      #expect(ticks.contains("0.0") && ticks.contains("2") && ticks.contains("12"), "\(ticks)")
      let curves = inPanel.filter { $0.attributes["class"] == "series" }
      #expect(curves.count == 2)
      let legend = inPanel.filter { $0.name == "text" && $0.attributes["x"] != nil }
        .filter { Double($0.attributes["x"] ?? "") ?? 0 > right }
      #expect(
        legend.map(\.text) == curves.compactMap { $0.attributes["data-label"] },
        "every curve has a legend entry right of the plot area")
    }
    let accuracyTicks = elements.filter {
      $0.panel == "metrics" && $0.attributes["class"] == "tick"
    }
    #expect(accuracyTicks.map(\.text).contains("1.0"), "accuracy is drawn on 0-1")
    let dashed = elements.filter {
      $0.attributes["stroke-dasharray"] != nil && $0.name == "polyline"
    }
    #expect(
      dashed.compactMap { $0.attributes["data-label"] } == [
        "validation loss", "validation accuracy",
      ])
  }

  @Test func regressionWithoutMetricsHasOneLossPanel() throws {
    let elements = try parse(history { _ in [:] }.svg())
    #expect(elements.filter { $0.attributes["class"] == "panel" }.count == 1)
    #expect(elements.filter { $0.attributes["class"] == "series" }.count == 2)
  }

  @Test func metricsOutsideZeroToOneGetTheirOwnRangeAndNaNIsLeftOut() throws {
    var chart = history { ["mae": 10 + Double($0)] }
    chart.epochs[3].trainingLoss = .nan
    let elements = try parse(chart.svg())
    let valueTicks = elements.filter {
      $0.panel == "metrics" && $0.attributes["class"] == "tick"
        && $0.attributes["text-anchor"] == "end"
    }
    #expect(valueTicks.map(\.text) == ["10", "15", "20", "25"], "11-22 rounded out to 10-25")
    let training = try #require(
      elements.first { $0.attributes["data-label"] == "training loss" }?.attributes["points"])
    #expect(training.split(separator: " ").count == 11)
  }
}
