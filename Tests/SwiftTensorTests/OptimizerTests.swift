import Foundation
import Testing

@testable import SwiftTensor

@Suite struct OptimizerTests {
  /// One parameter with a fixed gradient sequence; returns the parameter after each step.
  func run<T: TensorScalar, O: Optimizer>(
    _ optimizer: O, start: [T], gradients: [[T]]
  ) -> [[T]] where O.Scalar == T {
    let variable = Variable(Tensor(start), name: "p")
    let parameters = [NamedParameter(path: "p", variable: variable, initializer: .constant(0))]
    return gradients.map { gradient in
      variable.gradient = Tensor(gradient)
      optimizer.step(parameters)
      return variable.value.scalars
    }
  }

  let gradients: [[Double]] = [[0.5, -1, 2], [0.25, 0.5, -1], [-1, 0, 0.5]]

  @Test func sgdMatchesTheFormulas() {
    // Reference loops straight from PyTorch's documentation of SGD.
    for (momentum, nesterov, decay) in [(0.0, false, 0.0), (0.9, false, 0.1), (0.9, true, 0.01)] {
      var p = [1.0, 2.0, -3.0]
      var v = [0.0, 0.0, 0.0]
      var expected: [[Double]] = []
      for g in gradients {
        for i in 0..<3 {
          let d = g[i] + decay * p[i]
          if momentum == 0 {
            p[i] -= 0.1 * d
          } else {
            v[i] = momentum * v[i] + d
            p[i] -= 0.1 * (nesterov ? d + momentum * v[i] : v[i])
          }
        }
        expected.append(p)
      }
      let got = run(
        SGD(learningRate: 0.1, momentum: momentum, nesterov: nesterov, weightDecay: decay),
        start: [1.0, 2.0, -3.0], gradients: gradients)
      for (a, b) in zip(got.joined(), expected.joined()) { #expect(Swift.abs(a - b) < 1e-12) }
    }
  }

  /// Plain SGD over a parameter long enough for the vector kernel and its tail (21 scalars),
  /// in both precisions.
  func plainSGDMatchesTheFormula<T: TensorScalar>(_: T.Type) {
    let start = (0..<21).map { T($0) / 7 - 1 }
    let gradient = (0..<21).map { T(($0 * 5) % 11) / 4 - 1 }
    let got = run(
      SGD(learningRate: T(0.1), weightDecay: T(0.05)), start: start, gradients: [gradient])
    for i in 0..<21 {
      let expected = Double(start[i]) - 0.1 * (Double(gradient[i]) + 0.05 * Double(start[i]))
      #expect(Swift.abs(Double(got[0][i]) - expected) < 1e-6, "\(T.self) element \(i)")
    }
  }

  @Test func plainSGDOnLongParameters() {
    plainSGDMatchesTheFormula(Float.self)
    plainSGDMatchesTheFormula(Double.self)
  }

  @Test func adamFamilyMatchesTheFormulas() {
    for (decay, decoupled) in [(0.0, false), (0.1, false), (0.1, true)] {
      var p = [1.0, 2.0, -3.0]
      var m = [0.0, 0.0, 0.0]
      var s = [0.0, 0.0, 0.0]
      var expected: [[Double]] = []
      for (t, g) in gradients.enumerated() {
        for i in 0..<3 {
          let d = decoupled ? g[i] : g[i] + decay * p[i]
          m[i] = 0.9 * m[i] + 0.1 * d
          s[i] = 0.999 * s[i] + 0.001 * d * d
          if decoupled { p[i] -= 0.01 * decay * p[i] }
          let mHat = m[i] / (1 - pow(0.9, Double(t + 1)))
          let sHat = s[i] / (1 - pow(0.999, Double(t + 1)))
          p[i] -= 0.01 * mHat / (sHat.squareRoot() + 1e-8)
        }
        expected.append(p)
      }
      let got = run(
        Adam(learningRate: 0.01, weightDecay: decay, decoupledWeightDecay: decoupled),
        start: [1.0, 2.0, -3.0], gradients: gradients)
      for (a, b) in zip(got.joined(), expected.joined()) { #expect(Swift.abs(a - b) < 1e-12) }
    }
  }

  /// Adam and AdamW over a parameter long enough for the vector kernel and its tail (21
  /// scalars), three steps, in both precisions, against the formulas in Double.
  func adamMatchesTheFormulaOnLongParameters<T: TensorScalar>(_: T.Type, decoupled: Bool) {
    let start = (0..<21).map { T($0) / 7 - 1 }
    let steps: [[T]] = (0..<3).map { t in
      (0..<21).map { i -> T in T((i * 5 + t * 3) % 11) / T(4) - T(1) }
    }
    let got = run(
      Adam(learningRate: T(0.01), weightDecay: T(0.1), decoupledWeightDecay: decoupled),
      start: start, gradients: steps)
    var p = start.map(Double.init)
    var m = [Double](repeating: 0, count: 21)
    var s = m
    for (t, g) in steps.enumerated() {
      for i in 0..<21 {
        let d: Double = Double(g[i]) + (decoupled ? 0 : 0.1 * p[i])
        m[i] = 0.9 * m[i] + 0.1 * d
        s[i] = 0.999 * s[i] + 0.001 * d * d
        if decoupled { p[i] -= 0.01 * 0.1 * p[i] }
        let mHat: Double = m[i] / (1 - pow(0.9, Double(t + 1)))
        let sHat: Double = s[i] / (1 - pow(0.999, Double(t + 1)))
        p[i] -= 0.01 * mHat / (sHat.squareRoot() + 1e-8)
      }
      for i in 0..<21 {
        let tolerance = T.self == Float.self ? 1e-6 : 1e-14
        #expect(
          Swift.abs(Double(got[t][i]) - p[i]) < tolerance, "\(T.self) step \(t) element \(i)")
      }
    }
  }

  @Test func adamOnLongParameters() {
    for decoupled in [false, true] {
      adamMatchesTheFormulaOnLongParameters(Float.self, decoupled: decoupled)
      adamMatchesTheFormulaOnLongParameters(Double.self, decoupled: decoupled)
    }
  }

  @Test func rmsPropAndAdaGradMatchTheFormulas() {
    var p = [1.0, 2.0, -3.0]
    var s = [0.0, 0.0, 0.0]
    var q = [1.0, 2.0, -3.0]
    var r = [0.0, 0.0, 0.0]
    var expectedRMS: [[Double]] = []
    var expectedAda: [[Double]] = []
    for g in gradients {
      for i in 0..<3 {
        s[i] = 0.9 * s[i] + 0.1 * g[i] * g[i]
        p[i] -= 0.01 * g[i] / (s[i].squareRoot() + 1e-8)
        r[i] += g[i] * g[i]
        q[i] -= 0.1 * g[i] / (r[i].squareRoot() + 1e-10)
      }
      expectedRMS.append(p)
      expectedAda.append(q)
    }
    let rms = run(
      RMSProp(learningRate: 0.01, rho: 0.9), start: [1.0, 2.0, -3.0], gradients: gradients)
    let ada = run(AdaGrad(learningRate: 0.1), start: [1.0, 2.0, -3.0], gradients: gradients)
    for (a, b) in zip(rms.joined(), expectedRMS.joined()) { #expect(Swift.abs(a - b) < 1e-12) }
    for (a, b) in zip(ada.joined(), expectedAda.joined()) { #expect(Swift.abs(a - b) < 1e-12) }
  }

  @Test func stepsUpdateInPlaceAndSkipMissingGradients() {
    let variable = Variable(Tensor<Float>.ones(shape: [64, 64]), name: "W")
    let idle = Variable(Tensor<Float>.ones(shape: [3]), name: "idle")
    let parameters = [
      NamedParameter(path: "W", variable: variable, initializer: .constant(0)),
      NamedParameter(path: "idle", variable: idle, initializer: .constant(0)),
    ]
    let adam = Adam<Float>(learningRate: 0.1)
    let address = variable.value.withUnsafeBufferPointer { $0.baseAddress }
    // The moments' storage, as addresses: holding the tensors would make the next step copy.
    func momentAddresses() -> [Int] {
      adam.stateTensors().filter { $0.name != "step" }.map { state in
        state.tensor.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
      }
    }
    var moments: [Int] = []
    for step in 0..<3 {
      variable.gradient = .ones(shape: [64, 64])
      adam.step(parameters)
      if step == 0 { moments = momentAddresses() }
    }
    #expect(variable.value.withUnsafeBufferPointer { $0.baseAddress } == address, "in place")
    #expect(momentAddresses() == moments, "moments updated in place")
    #expect(idle.value == .ones(shape: [3]), "no gradient, no update")
    #expect(adam.stateTensors().map(\.name) == ["W/m", "W/v", "step"])
  }

  @Test func savedStateResumesExactly() throws {
    let make = { Variable(Tensor<Double>([1, -2, 3]), name: "p") }
    let straight = make()
    let resumed = make()
    let a = Adam<Double>(learningRate: 0.1)
    let parametersA = [NamedParameter(path: "p", variable: straight, initializer: .constant(0))]
    for g in gradients {
      straight.gradient = Tensor(g)
      a.step(parametersA)
    }
    let b = Adam<Double>(learningRate: 0.1)
    let parametersB = [NamedParameter(path: "p", variable: resumed, initializer: .constant(0))]
    resumed.gradient = Tensor(gradients[0])
    b.step(parametersB)
    let saved = Dictionary(uniqueKeysWithValues: b.stateTensors().map { ($0.name, $0.tensor) })
    let c = Adam<Double>(learningRate: 0.1)
    try c.loadState(saved, for: parametersB)
    for g in gradients.dropFirst() {
      resumed.gradient = Tensor(g)
      c.step(parametersB)
    }
    #expect(resumed.value == straight.value)
    #expect(throws: OptimizerStateError.self) {
      try Adam<Double>().loadState(["step": Tensor(1)], for: parametersB)
    }
  }

  @Test func clippingAndSchedules() {
    let a = Variable(Tensor<Float>([3, 0]), name: "a")
    let b = Variable(Tensor<Float>([0]), name: "b")
    a.gradient = [3, 0]
    b.gradient = [4]
    let parameters = [a, b].map {
      NamedParameter(path: $0.name, variable: $0, initializer: .constant(0))
    }
    let norm = clipGradients(parameters, maximumNorm: 1)
    #expect(norm == 5)
    #expect(
      a.gradient!.isApproximatelyEqual(to: [0.6, 0]) && b.gradient!.isApproximatelyEqual(to: [0.8]))
    a.gradient = [3, -7]
    clipGradients(parameters, maximumValue: 2)
    #expect(a.gradient == [2, -2])

    #expect(StepDecay(initial: 1, factor: 0.5, every: 10).learningRate(at: 25) == 0.25)
    #expect(Swift.abs(ExponentialDecay(initial: 2, factor: 0.9).learningRate(at: 2) - 1.62) < 1e-12)
    let cosine = CosineDecay(initial: 1, minimum: 0.1, totalSteps: 100)
    #expect(cosine.learningRate(at: 0) == 1)
    #expect(Swift.abs(cosine.learningRate(at: 50) - 0.55) < 1e-12)
    #expect(cosine.learningRate(at: 500) == 0.1)
    let warm = WarmUp(steps: 4, then: ConstantRate(0.8))
    #expect([0, 1, 3, 4, 9].map(warm.learningRate(at:)) == [0.2, 0.4, 0.8, 0.8, 0.8])
  }
}
