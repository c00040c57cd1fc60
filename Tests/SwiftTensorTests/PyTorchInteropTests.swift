import Foundation
import Testing

@testable import SwiftTensor

/// `PyTorchWeights` against PyTorch: the character language models of
/// `Fixtures/pytorch_char_lstm.py` (nn.Embedding → nn.LSTM or nn.GRU → nn.Linear) load and
/// compute PyTorch's logits; export round-trips; F16/BF16 conversions match torch's.
@Suite struct PyTorchInteropTests {
  /// The fixture, read from the source tree.
  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/pytorch_char_lstm.safetensors")

  /// The SwiftTensor twin of the fixture's model, with an LSTM or a GRU.
  func charModel(gru: Bool) -> Graph<Float> {
    Graph<Float>("char") {
      Embedding(vocabulary: 11, dimension: 6)
      if gru { GRU(inputSize: 6, hiddenSize: 8) } else { LSTM(inputSize: 6, hiddenSize: 8) }
      Affine(8, 11)
    }
  }

  /// The fixture's modules, under `prefix` (`lstm.`, `gru.` or `f16.`).
  func mapping(_ prefix: String, gru: Bool) -> [PyTorchModule] {
    [
      .embedding(prefix + "embed", "embedding_0"),
      gru ? .gru(prefix + "rnn", "gru_0") : .lstm(prefix + "rnn", "lstm_0"),
      .linear(prefix + "head", "affine_0"),
    ]
  }

  /// The largest difference between two tensors of the same shape.
  func worst(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Float {
    #expect(a.shape == b.shape)
    return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? .infinity
  }

  @Test(arguments: [false, true]) func charModelComputesPyTorchsLogits(gru: Bool) throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let prefix = gru ? "gru." : "lstm."
    let ids: Tensor<Float> = try file.tensor(named: "ids")
    let expected: Tensor<Float> = try file.tensor(named: gru ? "gru_logits" : "lstm_logits")
    let model = charModel(gru: gru)
    #expect(worst(model.predict(ids), expected) > 0.01)
    let skipped = try PyTorchWeights.load(file, into: model, mapping: mapping(prefix, gru: gru))
    #expect(skipped == file.names.filter { !$0.hasPrefix(prefix) })
    let difference = worst(model.predict(ids), expected)
    #expect(difference <= 1e-5, "worst difference \(difference)")
    // Affine's W is PyTorch's weight transposed; the LSTM bias is the sum of the two.
    let head: Tensor<Float> = try file.tensor(named: prefix + "head.weight")
    let w = try #require(model.parameters.first { $0.path == "affine_0/W" }).variable.value
    #expect(w == head.transposed(permutation: [1, 0]))
  }

  @Test(arguments: [false, true]) func exportRoundTrips(gru: Bool) throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let prefix = gru ? "gru." : "lstm."
    let model = charModel(gru: gru)
    try PyTorchWeights.load(file, into: model, mapping: mapping(prefix, gru: gru))
    let exported = try PyTorchWeights.export(from: model, mapping: mapping(prefix, gru: gru))
    let original = file.names.filter { $0.hasPrefix(prefix) }
    // PyTorch's state-dict order (the safetensors library sorts the file's names).
    #expect(Set(exported.names) == Set(original))
    #expect(
      exported.names.map { String($0.dropFirst(prefix.count)) } == [
        "embed.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
        "rnn.bias_hh_l0", "head.weight", "head.bias",
      ])
    for name in original where !name.contains("bias_") {
      #expect(exported[name] == file[name], "\(name) exported as loaded")
    }
    let sum: (SafeTensors) throws -> Tensor<Float> = { file in
      try file.tensor(named: prefix + "rnn.bias_ih_l0")
        + file.tensor(named: prefix + "rnn.bias_hh_l0")
    }
    #expect(try sum(exported) == sum(file))
    let reloaded = charModel(gru: gru)
    try PyTorchWeights.load(exported, into: reloaded, mapping: mapping(prefix, gru: gru))
    #expect(reloaded.checkpoint() == model.checkpoint())
  }

  /// A two-layer `nn.LSTM`: layer k's tensors (`*_lk`) load into `lstm_k`.
  @Test func twoLayerLSTMComputesPyTorchsOutputs() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let model = Graph<Float>("stack") { LSTM(inputSize: 4, hiddenSize: 5, layers: 2) }
    let mapping: [PyTorchModule] = [.lstm("stack", "lstm_0", layers: 2)]
    try PyTorchWeights.load(file, into: model, mapping: mapping)
    #expect(model.parameters.map(\.path).last == "lstm_1/b")
    let difference = worst(
      model.predict(try file.tensor(named: "stack_input")),
      try file.tensor(named: "stack_output"))
    #expect(difference <= 1e-5, "worst difference \(difference)")
    let exported = try PyTorchWeights.export(from: model, mapping: mapping)
    #expect(Set(exported.names) == Set(file.names.filter { $0.hasPrefix("stack.") }))
  }

  @Test func anF16CheckpointLoads() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    #expect(file["f16.rnn.weight_ih_l0"]?.dtype == .f16)
    let model = charModel(gru: false)
    try PyTorchWeights.load(file, into: model, mapping: mapping("f16.", gru: false))
    let difference = worst(
      model.predict(try file.tensor(named: "ids")), try file.tensor(named: "f16_logits"))
    #expect(difference <= 1e-5, "worst difference \(difference)")
    let half = try PyTorchWeights.export(
      from: model, mapping: mapping("f16.", gru: false), as: .f16)
    for name in half.names where !name.contains("bias_") {
      #expect(half[name] == file[name], "\(name) rounds back to the same F16 bytes")
    }
  }

  @Test func aGRUWithNonzeroNGateHiddenBiasIsRefused() throws {
    var file = try SafeTensors(contentsOf: Self.url)
    var bias: Tensor<Float> = try file.tensor(named: "gru.rnn.bias_hh_l0")
    bias = Tensor(
      shape: bias.shape, scalars: bias.scalars.enumerated().map { $0 == 20 ? 0.25 : $1 })
    file.set(bias, named: "gru.rnn.bias_hh_l0")
    let model = charModel(gru: true)
    let before = model.checkpoint()
    #expect {
      try PyTorchWeights.load(file, into: model, mapping: mapping("gru.", gru: true))
    } throws: { error in
      guard case .unrepresentable(let name, let reason) = error as? CheckpointError else {
        return false
      }
      return name == "gru.rnn.bias_hh_l0" && reason.contains("0.25 at 20")
    }
    #expect(model.checkpoint() == before)
  }

  @Test func missingAndMisshapenTensorsAreNamed() throws {
    let file = try SafeTensors(contentsOf: Self.url)
    let model = charModel(gru: false)
    let before = model.checkpoint()
    let wrong: [PyTorchModule] = [
      .embedding("lstm.embed", "embedding_0"), .lstm("lstm.rnn", "lstm_0"),
      .linear("lstm.rnn", "affine_0"),
    ]
    #expect(throws: CheckpointError.missingTensor(name: "lstm.rnn.weight", available: file.names)) {
      try PyTorchWeights.load(file, into: model, mapping: wrong)
    }
    let swapped = file.renamed {
      $0 == "lstm.embed.weight"
        ? "lstm.head.weight" : $0 == "lstm.head.weight" ? "lstm.embed.weight" : $0
    }
    #expect(
      throws: CheckpointError.shapeMismatch(
        name: "lstm.embed.weight", stored: [11, 8], expected: [11, 6])
    ) {
      try PyTorchWeights.load(swapped, into: model, mapping: mapping("lstm.", gru: false))
    }
    #expect(
      throws: CheckpointError.missingTensor(name: "lstm_0/W_x", available: ["embedding_0/table"])
    ) {
      try PyTorchWeights.load(file, into: model, mapping: [.embedding("lstm.embed", "embedding_0")])
    }
    #expect(model.checkpoint() == before)
  }
}
