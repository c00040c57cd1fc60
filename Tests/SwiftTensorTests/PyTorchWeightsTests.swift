import Foundation
import Testing

@testable import SwiftTensor

/// Weights saved by PyTorch (`Fixtures/pytorch_conv_bn.py` wrote
/// `Fixtures/pytorch_conv_bn.safetensors`), renamed to parameter paths with
/// `SafeTensors.renamed`, loaded into the matching model, which then computes PyTorch's
/// eval-mode output; the example of docs/PYTORCH_WEIGHTS.md is run here as written.
@Suite struct PyTorchWeightsTests {
  /// The fixture, read from the source tree (the test target does not bundle `Fixtures/`).
  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/pytorch_conv_bn.safetensors")

  /// The SwiftTensor twin of the fixture's `nn.Sequential`.
  func convBatchNormModel() -> Graph<Float> {
    Graph<Float>("pytorch") {
      Conv2D(3, 8, kernelSize: 3, padding: 1)
      BatchNorm(channels: 8)
      Relu()
      Conv2D(8, 8, kernelSize: 3, stride: 2, padding: 1, groups: 2, bias: false)
      BatchNorm(channels: 8)
    }
  }

  /// Expects `actual` to have `expected`'s shape and every scalar within 1e-5 of it (relative
  /// to the larger of 1 and the expected magnitude).
  func expectClose(
    _ actual: Tensor<Float>, _ expected: Tensor<Float>, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
    let worst =
      zip(actual.scalars, expected.scalars).map { pair in
        Swift.abs(Double(pair.0) - Double(pair.1)) / Swift.max(1, Swift.abs(Double(pair.1)))
      }.max() ?? .infinity
    #expect(worst <= 1e-5, "\(what): worst error \(worst)", sourceLocation: sourceLocation)
  }

  /// Loads the PyTorch weights as docs/PYTORCH_WEIGHTS.md shows; returns the model, the
  /// skipped names and the output for the file's `input`.
  func loadAsDocumented() throws -> (Graph<Float>, skipped: [String], output: Tensor<Float>) {
    let url = Self.url
    let input: Tensor<Float> = try SafeTensors(contentsOf: url).tensor(named: "input")
    // The example of docs/PYTORCH_WEIGHTS.md ("How to load"), verbatim.
    let model = Graph<Float>("pytorch") {
      Conv2D(3, 8, kernelSize: 3, padding: 1)
      BatchNorm(channels: 8)
      Relu()
      Conv2D(8, 8, kernelSize: 3, stride: 2, padding: 1, groups: 2, bias: false)
      BatchNorm(channels: 8)
    }
    // PyTorch's module positions in the Sequential → SwiftTensor's layer paths.
    let modules = ["0": "conv2d_0", "1": "batchnorm_0", "3": "conv2d_1", "4": "batchnorm_1"]
    let weights = try SafeTensors(contentsOf: url).renamed { name in
      let parts = name.split(separator: ".", maxSplits: 1)
      guard parts.count == 2, let path = modules[String(parts[0])] else { return nil }
      return "\(path)/\(parts[1])"
    }
    let skipped = try model.load(weights, strict: false)
    // skipped == ["batchnorm_0/num_batches_tracked", "batchnorm_1/num_batches_tracked"]
    let output = model.predict(input)  // evaluation mode: the running statistics normalise
    // End of the example.
    return (model, skipped, output)
  }

  @Test func convBatchNormModelComputesPyTorchsOutput() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let expected: Tensor<Float> = try file.tensor(named: "expected_output")
    // A fresh model computes something else, so the comparison below checks the loading.
    let fresh = convBatchNormModel().predict(try file.tensor(named: "input"))
    #expect((zip(fresh.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 0) > 0.1)
    let (model, skipped, output) = try loadAsDocumented()
    #expect(skipped == ["batchnorm_0/num_batches_tracked", "batchnorm_1/num_batches_tracked"])
    expectClose(output, expected, "conv/batch norm output")
    // Every parameter and buffer holds the PyTorch tensor of the documented name.
    let table = [
      "conv2d_0/weight": "0.weight", "conv2d_0/bias": "0.bias",
      "batchnorm_0/weight": "1.weight", "batchnorm_0/bias": "1.bias",
      "batchnorm_0/running_mean": "1.running_mean", "batchnorm_0/running_var": "1.running_var",
      "conv2d_1/weight": "3.weight", "batchnorm_1/weight": "4.weight", "batchnorm_1/bias": "4.bias",
      "batchnorm_1/running_mean": "4.running_mean", "batchnorm_1/running_var": "4.running_var",
    ]
    let all = model.parameters + model.buffers
    #expect(Set(all.map(\.path)) == Set(table.keys))
    for parameter in all {
      let name = try #require(table[parameter.path])
      #expect(
        parameter.variable.value == (try file.tensor(named: name, as: Float.self)),
        "\(parameter.path) holds \(name)")
    }
  }

  /// The code block of docs/PYTORCH_WEIGHTS.md is the example in `loadAsDocumented`, line for
  /// line.
  @Test func theDocumentedExampleIsTheOneRunHere() throws {
    let tests = URL(fileURLWithPath: #filePath)
    let root = tests.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let doc = try String(
      contentsOf: root.appendingPathComponent("docs/PYTORCH_WEIGHTS.md"), encoding: .utf8)
    let source = try String(contentsOf: tests, encoding: .utf8)
    let documented = try #require(doc.components(separatedBy: "```swift\n").dropFirst().first)
      .components(separatedBy: "```")[0]
    let run = try #require(
      source.components(separatedBy: "(\"How to load\"), verbatim.\n").dropFirst().first
    ).components(separatedBy: "    // End of the example.")[0]
    let dedented = run.split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.dropFirst(4) }.joined(separator: "\n")
    #expect(dedented == documented)
    #expect(documented.contains("model.load(weights, strict: false)"))
  }

  @Test func conv1DComputesPyTorchsOutput() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let model = Graph<Float>("conv1d") {
      Conv1D(4, 6, kernelSize: 3, padding: .same, dilation: 2)
    }
    let weights = file.renamed([
      "conv1d.weight": "conv1d_0/weight", "conv1d.bias": "conv1d_0/bias",
    ])
    let skipped = try model.load(weights, strict: false)
    #expect(skipped == file.names.filter { !$0.hasPrefix("conv1d.") })
    #expect(skipped.contains("conv1d_input") && skipped.contains("0.weight"))
    expectClose(
      model.predict(try file.tensor(named: "conv1d_input")),
      try file.tensor(named: "conv1d_expected_output"), "conv1d output")
  }

  /// A mapping that puts a tensor on a parameter of another shape throws before changing any
  /// parameter.
  @Test func aWrongShapedMappingThrowsAndChangesNothing() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let model = convBatchNormModel()
    let before = model.checkpoint()
    let modules = ["0": "conv2d_0", "1": "batchnorm_0", "3": "conv2d_1", "4": "batchnorm_1"]
    let weights = file.renamed { name in
      // The two convolutions' weights swapped: [8, 4, 3, 3] onto [8, 3, 3, 3] and back.
      let name = ["0.weight": "3.weight", "3.weight": "0.weight"][name] ?? name
      let parts = name.split(separator: ".", maxSplits: 1)
      guard parts.count == 2, let path = modules[String(parts[0])] else { return nil }
      return "\(path)/\(parts[1])"
    }
    #expect(
      throws: CheckpointError.shapeMismatch(
        name: "conv2d_0/weight", stored: [8, 4, 3, 3], expected: [8, 3, 3, 3])
    ) {
      try model.load(weights, strict: false)
    }
    #expect(model.checkpoint() == before)
  }
}

/// `SafeTensors.renamed`: order, dtype, bytes and metadata kept, `nil` drops, the dictionary
/// form keeps unmapped names, and two tensors given one name stop the program.
@Suite struct SafeTensorsRenamingTests {
  func file() -> SafeTensors {
    var file = SafeTensors()
    file.set(Tensor<Float>([1, 2, 3]), named: "0.weight")
    file.set([Int64(5)], shape: [], named: "1.num_batches_tracked")
    file.set(Tensor<Double>(shape: [2, 1], scalars: [4, 5]), named: "1.bias")
    file.metadata["generator"] = "test"
    return file
  }

  @Test func closureRenamesDropsAndKeepsTheRest() throws {
    let renamed = file().renamed { $0 == "1.bias" ? nil : "model/" + $0 }
    #expect(renamed.names == ["model/0.weight", "model/1.num_batches_tracked"])
    #expect(renamed.metadata == ["generator": "test"])
    #expect(try renamed.tensor(named: "model/0.weight", as: Float.self) == Tensor([1, 2, 3]))
    #expect(try renamed.integers(named: "model/1.num_batches_tracked") == [5])
    #expect(renamed["model/1.num_batches_tracked"]?.dtype == .i64)
    let original = file()
    #expect(original.renamed { $0 } == original)
  }

  @Test func dictionaryKeepsUnmappedNames() throws {
    let renamed = file().renamed(["1.bias": "batchnorm_0/bias", "absent": "ignored"])
    #expect(renamed.names == ["0.weight", "1.num_batches_tracked", "batchnorm_0/bias"])
    #expect(
      try renamed.tensor(named: "batchnorm_0/bias", as: Double.self)
        == Tensor(shape: [2, 1], scalars: [4, 5]))
  }

  @Test func twoTensorsGivenOneNameStop() async {
    let closure = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var file = SafeTensors()
      file.set(Tensor<Float>([1]), named: "0.weight")
      file.set(Tensor<Float>([2]), named: "1.weight")
      _ = file.renamed { _ in "weight" }
    }
    expectStderr(
      closure, "SafeTensors.renamed: '0.weight' and '1.weight' are both renamed 'weight'")
    let dictionary = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      var file = SafeTensors()
      file.set(Tensor<Float>([1]), named: "a")
      file.set(Tensor<Float>([2]), named: "b")
      _ = file.renamed(["b": "a"])
    }
    expectStderr(dictionary, "SafeTensors.renamed: 'a' and 'b' are both renamed 'a'")
  }
}
