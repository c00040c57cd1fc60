import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// `TransformerBlock` against the `Residual` composition its documentation states, by finite
/// differences, and with a key/value cache; and the language-model loss on `[batch, time, V]`.
@Suite struct TransformerTests {
  /// The parameters a layer registers, in order, without renaming them.
  func parameters<T: TensorScalar>(of register: (ParameterRegistrar<T>) -> Void) -> [Variable<T>] {
    let registrar = ParameterRegistrar<T>(renamesVariables: false)
    register(registrar)
    return registrar.parameters.map(\.variable)
  }

  /// The same outputs and gradients (input and every parameter) as two `Residual` blocks built
  /// from the DSL, given the same parameter values.
  func matchesComposition<T: TensorScalar>(_: T.Type, tolerance: T) {
    let block = TransformerBlock<T>(width: 8, heads: 2, seed: 3)
    let composed = Graph<T>("composed") {
      Residual {
        LayerNorm([8])
        MultiHeadAttention(width: 8, heads: 2, causal: true)
      }
      Residual {
        LayerNorm([8])
        Affine(8, 32, activation: .gelu(.tanh))
        Affine(32, 8)
      }
    }
    let ours = parameters(of: block.registerParameters)
    let theirs = composed.parameters.map(\.variable)
    #expect(ours.map(\.value.shape) == theirs.map(\.value.shape))
    // Values that move the norms off 1 and 0, so every parameter matters.
    for (index, (a, b)) in zip(ours, theirs).enumerated() {
      a.value = sample(a.value.shape, seed: 100 + UInt64(index)) * T(0.5)
      b.value = a.value
    }
    let input: Tensor<T> = sample([2, 5, 8], seed: 1)
    let projection: Tensor<T> = sample([2, 5, 8], seed: 2)
    func run(_ layer: (Variable<T>) -> Variable<T>, _ weights: [Variable<T>]) -> [Tensor<T>] {
      let tape = Tape<T>()
      let x = tape.variable(input)
      let y = layer(x)
      (y * Variable(projection, trainable: false)).sum().backward()
      return [y.value, x.gradient ?? Tensor(0)] + weights.map { $0.gradient ?? Tensor(0) }
    }
    let context = LayerContext(isTraining: true, seed: 0)
    let expected = run({ composed.forward($0, context: context) }, theirs)
    let actual = run({ block($0, context: context) }, ours)
    for (index, (a, e)) in zip(actual, expected).enumerated() {
      expectClose(a, e, tolerance: tolerance, "tensor \(index) (output, input, parameters)")
    }
  }

  @Test func matchesCompositionDouble() { matchesComposition(Double.self, tolerance: 1e-12) }
  @Test func matchesCompositionFloat() { matchesComposition(Float.self, tolerance: 2e-5) }

  func gradients<T: TensorScalar>(_ type: T.Type) throws {
    let block = TransformerBlock<T>(width: 4, heads: 2, mlpRatio: 2, seed: 5)
    let context = LayerContext(isTraining: false, seed: 0)
    let input: Tensor<T> = sample([2, 3, 4], seed: 7)
    let projection = Variable<T>(sample([2, 3, 4], seed: 8), trainable: false)
    try expectGradient(at: [input]) { v in (block(v[0], context: context) * projection).sum() }
    try expectParameterGradients(parameters(of: block.registerParameters)) {
      (block(Variable(input, trainable: false), context: context) * projection).sum()
    }
  }

  @Test func gradientsFloat() throws { try gradients(Float.self) }
  @Test func gradientsDouble() throws { try gradients(Double.self) }

  /// Running positions one at a time, then two at once, against the cache gives the rows of
  /// the whole window's forward pass.
  @Test func cachedStepsMatchTheWindow() {
    let block = TransformerBlock<Double>(width: 8, heads: 2, seed: 9)
    let input: Tensor<Double> = sample([1, 6, 8], seed: 3)
    let full = block(Variable(input), context: LayerContext(isTraining: false, seed: 0)).value
    var cache = KeyValueCache<Double>()
    var rows = (0..<4).map { t in block(input.slice(axis: 1, range: t..<t + 1), cache: &cache) }
    rows.append(block(input.slice(axis: 1, range: 4..<6), cache: &cache))
    #expect(cache.count == 6)
    expectClose(Tensor.concatenate(rows, axis: 1), full, tolerance: 1e-12)
  }

  /// Softmax cross-entropy and accuracy on `[batch, time, classes]` logits are those of the
  /// rows `[batch·time, classes]`.
  @Test func languageModelLossOnRankThreeLogits() {
    let logits: Tensor<Double> = sample([2, 3, 5], seed: 4)
    let labels = [0, 4, 2, 1, 1, 3]
    let batch = Batch(inputs: Tensor<Double>.zeros(shape: [2, 3]), labels: labels)
    let loss = SoftmaxCrossEntropyLoss<Double>()
    let flat = loss(Variable(logits.reshaped(to: [6, 5])), batch).value
    expectClose(loss(Variable(logits), batch).value, flat, tolerance: 1e-15)
    #expect(
      Accuracy<Double>().total(logits, batch)
        == Accuracy<Double>().total(logits.reshaped(to: [6, 5]), batch))
  }
}
