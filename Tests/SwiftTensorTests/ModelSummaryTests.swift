import Testing

@testable import SwiftTensor

/// `model.summary(inputShape:)`: rows, shapes, counts, totals and the printed table.
@Suite struct ModelSummaryTests {
  @Test func graphListsEveryLayer() {
    let deep = true
    let model = Graph<Float>("cnn") {
      Conv2D(1, 4, kernelSize: 3, padding: 1)
      BatchNorm(channels: 4)
      Relu()
      Flatten()
      if deep { Affine(4 * 8 * 8, 16) } else { Affine(4 * 8 * 8, 10) }
      for _ in 0..<2 { Affine(16, 16) }
      Residual {
        LayerNorm([16])
        Affine(16, 16)
      }
      Affine(16, 10)
    }
    let summary = model.summary(inputShape: [1, 8, 8])
    #expect(
      summary.layers.map(\.path) == [
        "conv2d_0", "batchnorm_0", "", "", "affine_0", "affine_1", "affine_2", "residual_0",
        "affine_3",
      ])
    #expect(
      summary.layers.map(\.type) == [
        "Conv2D", "BatchNorm", "Relu", "Flatten", "Affine", "Affine", "Affine", "Residual",
        "Affine",
      ])
    #expect(
      summary.layers.map(\.outputShape) == [
        [1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8], [1, 256], [1, 16], [1, 16], [1, 16], [1, 16],
        [1, 10],
      ])
    #expect(
      summary.layers.map(\.parameterCount) == [40, 8, 0, 0, 4112, 272, 272, 304, 170])
    #expect(summary.layers.map(\.bufferCount) == [0, 8, 0, 0, 0, 0, 0, 0, 0])
    #expect(
      summary.parameterCount == model.parameters.reduce(0) { $0 + $1.variable.value.scalarCount })
    #expect(summary.parameterCount == 40 + 8 + 4112 + 272 * 2 + 304 + 170)
    #expect(summary.bufferCount == 8)
    #expect(summary.parameterBytes == (summary.parameterCount + 8) * 4)
    #expect(summary.outputShape == [1, 10])
    let table = summary.description
    #expect(table.hasPrefix("Model 'cnn' for input [1, 1, 8, 8]\nLayer"))
    #expect(table.contains("affine_0     Affine     [1, 16]            4,112"))
    #expect(table.contains("-            Relu       [1, 4, 8, 8]           0"))
    #expect(table.hasSuffix("Total parameters: 5,178, buffers: 8 (20.3 KB as Float)"))
  }

  @Test func tokenModelTakesTheSequenceLength() {
    let model = Graph<Double>("char") {
      Embedding(vocabulary: 11, dimension: 6)
      LSTM(inputSize: 6, hiddenSize: 8)
      Affine(8, 11)
    }
    let summary = model.summary(inputShape: [7])
    #expect(summary.layers.map(\.path) == ["embedding_0", "lstm_0", "affine_0"])
    #expect(summary.layers.map(\.outputShape) == [[1, 7, 6], [1, 7, 8], [1, 7, 11]])
    #expect(summary.layers.map(\.parameterCount) == [66, 480, 99])
    #expect(summary.description.hasSuffix("Total parameters: 645 (5.0 KB as Double)"))
  }

  /// A model written as a class lists its top-level scopes.
  @Test func otherModelsListTheirScopes() {
    final class TwoLayers: Model {
      let hidden = Affine<Float>(4, 3)
      let output = Affine<Float>(3, 2)
      func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
        output(hidden(x, context: context).relu(), context: context)
      }
      func registerParameters(_ registrar: ParameterRegistrar<Float>) {
        hidden.registerParameters(registrar)
        output.registerParameters(registrar)
      }
    }
    let summary = TwoLayers().summary(inputShape: [4])
    #expect(summary.layers.map(\.path) == ["affine_0", "affine_1"])
    #expect(summary.layers.map(\.type) == ["affine", "affine"])
    #expect(summary.layers.map(\.parameterCount) == [15, 8])
    #expect(summary.outputShape == [1, 2])
    #expect(ModelSummary.bytes(1023) == "1023 B" && ModelSummary.bytes(3 << 20) == "3.0 MB")
  }
}
