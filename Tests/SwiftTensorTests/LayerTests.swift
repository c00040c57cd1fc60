import Testing

@testable import SwiftTensor

@Suite struct LayerTests {
  func mlp<T: TensorScalar>(_: T.Type, deep: Bool, wide: Bool, repeats: Int) -> Graph<T> {
    Graph<T>("mlp", seed: 3) {
      Affine(4, 5)
      Sigmoid()
      if deep {
        Affine(5, 5)
        Tanh()
      }
      if wide {
        Affine(5, 5, bias: false)
      } else {
        Relu()
      }
      for _ in 0..<repeats { Affine(5, 5) }
      Affine(5, 3)
    }
  }

  @Test func builderBranchesAndParameterNames() {
    let full = mlp(Float.self, deep: true, wide: true, repeats: 2)
    #expect(
      full.parameters.map(\.path) == [
        "affine_0/W", "affine_0/b", "affine_1/W", "affine_1/b", "affine_2/W", "affine_3/W",
        "affine_3/b", "affine_4/W", "affine_4/b", "affine_5/W", "affine_5/b",
      ])
    #expect(full.parameters[0].variable.name == "affine_0/W")
    let small = mlp(Float.self, deep: false, wide: false, repeats: 0)
    #expect(
      small.parameters.map(\.path) == ["affine_0/W", "affine_0/b", "affine_1/W", "affine_1/b"])
    // Each branch really runs: the output equals the hand-composed layers.
    let x = Tensor<Float>.random(shape: [2, 4], seed: 1)
    let p = small.parameters.map(\.variable.value)
    let expected = ((x.matmul(p[0]) + p[1]).sigmoid().relu()).matmul(p[2]) + p[3]
    #expect(small.predict(x).isApproximatelyEqual(to: expected))
    let q = full.parameters.map(\.variable.value)
    var h = (x.matmul(q[0]) + q[1]).sigmoid()
    h = (h.matmul(q[2]) + q[3]).tanh()
    h = h.matmul(q[4])
    h = h.matmul(q[5]) + q[6]
    h = h.matmul(q[7]) + q[8]
    h = h.matmul(q[9]) + q[10]
    #expect(full.predict(x).isApproximatelyEqual(to: h))
  }

  @Test func seededInitialisationAndPrecisionSwap() {
    let a = mlp(Float.self, deep: true, wide: false, repeats: 1)
    let b = mlp(Float.self, deep: true, wide: false, repeats: 1)
    #expect(a.parameters.map(\.variable.value) == b.parameters.map(\.variable.value))
    a.initializeParameters(seed: 4)
    #expect(a.parameters[0].variable.value != b.parameters[0].variable.value)
    // pytensor's init: standard normal / sqrt(fan_in); biases start at 0.
    let wide = Graph<Double>("wide", seed: 1) { Affine(400, 300) }
    let w = wide.parameters[0].variable.value
    let deviation = (w - w.mean()).squared().mean().scalar.squareRoot()
    #expect(Swift.abs(deviation - 1 / 20) < 0.002, "std \(deviation)")
    #expect(wide.parameters[1].variable.value == .zeros(shape: [300]))

    // The same model in Double, with the Float parameters converted, computes the same.
    let single = mlp(Float.self, deep: true, wide: true, repeats: 1)
    let double = mlp(Double.self, deep: true, wide: true, repeats: 1)
    double.copyParameters(from: single)
    let x = Tensor<Float>.random(shape: [3, 4], seed: 2)
    let y32 = single.predict(x)
    let y64 = double.predict(Tensor(shape: x.shape, scalars: x.scalars.map(Double.init)))
    for (u, v) in zip(y32.scalars, y64.scalars) { #expect(Swift.abs(Double(u) - v) < 1e-5) }
  }

  @Test func dropoutTrainsAndEvaluates() {
    let layer = Dropout<Double>(rate: 0.25)
    let x = Variable<Double>(.ones(shape: [100, 100]), trainable: false)
    #expect(layer(x, context: LayerContext(isTraining: false, seed: 1)).value == x.value)
    let y = layer(x, context: LayerContext(isTraining: true, seed: 1)).value
    let zeros = y.scalars.filter { $0 == 0 }.count
    #expect(Swift.abs(Double(zeros) / 10_000 - 0.25) < 0.02)
    #expect(y.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.75) < 1e-12 })
    let again = layer(x, context: LayerContext(isTraining: true, seed: 1)).value
    #expect(again == y, "same seed, same mask")
  }

  /// Finite differences of the loss with respect to every parameter of a whole model.
  func modelGradient<T: TensorScalar>(_: T.Type, tolerance: Double) {
    let model = Graph<T>("net", seed: 5) {
      Affine(3, 4)
      Tanh()
      Affine(4, 4)
      Sigmoid()
      Affine(4, 3)
    }
    let x = Tensor<T>.random(shape: [5, 3], lower: -1, upper: 1, seed: 6)
    let labels = [0, 2, 1, 1, 0]
    func loss() -> Double {
      Double(
        model.predict(x).logSoftmax().scalars.enumerated().reduce(T(0)) { total, item in
          let (index, value) = item
          return labels[index / 3] == index % 3 ? total - value : total
        }) / 5
    }
    let tape = Tape<T>()
    let output = model.forward(tape.variable(x), context: LayerContext(isTraining: true, seed: 0))
    output.softmaxCrossEntropy(labels: labels).backward()
    for parameter in model.parameters {
      guard let analytic = parameter.variable.gradient else {
        Issue.record("\(parameter.path) got no gradient")
        continue
      }
      for i in 0..<parameter.variable.value.scalarCount {
        let original = parameter.variable.value
        let step = T(Swift.max(tolerance, 1e-6)).squareRoot()
        parameter.variable.value.withUnsafeMutableBufferPointer { $0[i] += step }
        let high = loss()
        parameter.variable.value = original
        parameter.variable.value.withUnsafeMutableBufferPointer { $0[i] -= step }
        let low = loss()
        parameter.variable.value = original
        let numeric = (high - low) / (2 * Double(step))
        #expect(
          Swift.abs(numeric - Double(analytic.scalars[i])) < tolerance * 10 + 1e-2
            * Swift.abs(numeric),
          "\(T.self) \(parameter.path)[\(i)]: analytic \(analytic.scalars[i]), numeric \(numeric)")
      }
    }
  }

  @Test func wholeModelGradients() {
    modelGradient(Double.self, tolerance: 1e-7)
    modelGradient(Float.self, tolerance: 1e-4)
  }

  @Test func customModelTypeTrainsTheSameWay() {
    final class TwoLayers: Model {
      let hidden = Affine<Float>(64, 30)
      let output = Affine<Float>(30, 10)
      init() { initializeParameters(seed: 0) }
      func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
        output(hidden(x, context: context).sigmoid(), context: context)
      }
      func registerParameters(_ registrar: ParameterRegistrar<Float>) {
        hidden.registerParameters(registrar)
        output.registerParameters(registrar)
      }
    }
    let custom = TwoLayers()
    let graph = Graph<Float>("mlp", seed: 0) {
      Affine(64, 30)
      Sigmoid()
      Affine(30, 10)
    }
    #expect(custom.parameters.map(\.path) == graph.parameters.map(\.path))
    #expect(custom.parameters.map(\.variable.value) == graph.parameters.map(\.variable.value))
    let x = Tensor<Float>.random(shape: [2, 64], seed: 1)
    #expect(custom.predict(x) == graph.predict(x))
  }

  /// `Affine(_:_:activation:)` gives exactly what `Affine` followed by the activation layer gives:
  /// outputs and the gradients of the input, weight and bias, for every activation, in Float
  /// and Double, with a batch that puts some pre-activations below zero (relu's two sides).
  @Test(arguments: [
    FusedActivation.identity, .sigmoid, .tanh, .relu, .gelu(.tanh), .gelu(.exact),
  ])
  func fusedActivationMatchesTheSeparateLayer(activation: FusedActivation) {
    func check<T: TensorScalar>(_: T.Type) {
      func separate() -> Graph<T> {
        Graph<T>("net", seed: 5) {
          Affine(6, 4)
          switch activation {
          case .identity: Affine(4, 3)
          case .sigmoid: Sigmoid()
          case .tanh: Tanh()
          case .relu: Relu()
          case .gelu(let approximation): GELU(approximation: approximation)
          }
        }
      }
      let fused = Graph<T>("net", seed: 5) {
        Affine(6, 4, activation: activation)
        if activation == .identity { Affine(4, 3) }
      }
      let x = Tensor<T>.random(shape: [5, 6], lower: -2, upper: 2, seed: 9)
      var results: [[Tensor<T>]] = []
      for model in [separate(), fused] {
        let tape = Tape<T>()
        let input = tape.variable(x)
        let output = model(input)
        // A weighted sum, so every output element's gradient differs.
        let weights = Variable(
          Tensor<T>.random(shape: output.shape, seed: 11), trainable: false)
        (output * weights).sum().backward()
        let parameters = model.parameters.map { $0.variable.gradient ?? .zeros(shape: [0]) }
        results.append([output.value, input.gradient ?? .zeros(shape: [0])] + parameters)
      }
      #expect(results[0].count == results[1].count)
      for (index, (a, b)) in zip(results[0], results[1]).enumerated() {
        expectClose(b, a, tolerance: T.ulpOfOne * 16, "\(activation) \(T.self) result \(index)")
      }
      #expect(results[0][0].scalars.contains { $0 <= 0 } || activation != .relu)
    }
    check(Float.self)
    check(Double.self)
  }
}
