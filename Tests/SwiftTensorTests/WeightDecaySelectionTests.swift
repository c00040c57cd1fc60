import Foundation
import Testing

@testable import SwiftTensor

@Suite struct WeightDecaySelectionTests {
  /// A weight matrix with a bias, a layer norm and an embedding table, registered as a model
  /// registers them, each with a fixed gradient.
  func parameters() -> [NamedParameter<Double>] {
    let registrar = ParameterRegistrar<Double>()
    Affine<Double>(3, 2, seed: 1).registerParameters(registrar)
    LayerNorm<Double>([2]).registerParameters(registrar)
    Embedding<Double>(vocabulary: 4, dimension: 2, seed: 2).registerParameters(registrar)
    for (index, parameter) in registrar.parameters.enumerated() {
      let count = parameter.variable.value.scalarCount
      parameter.variable.gradient = Tensor(
        shape: parameter.variable.value.shape,
        scalars: (0..<count).map { Double(($0 * 7 + index * 3) % 5) / 4 - 0.4 })
    }
    return registrar.parameters
  }

  /// One AdamW step in Double from the formula, decaying where `decays` holds.
  func expectedStep(
    _ parameter: NamedParameter<Double>, decays: Bool, learningRate: Double, decay: Double
  ) -> [Double] {
    let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
    let gradient = parameter.variable.gradient?.scalars ?? []
    return zip(parameter.variable.value.scalars, gradient).map { p, g in
      let m = (1 - beta1) * g / (1 - beta1)
      let v = (1 - beta2) * g * g / (1 - beta2)
      let decayed = decays ? p - learningRate * decay * p : p
      return decayed - learningRate * m / (v.squareRoot() + epsilon)
    }
  }

  func check(_ selection: WeightDecaySelection<Double>, decayed: Set<String>) {
    let parameters = parameters()
    #expect(
      parameters.map(\.path) == [
        "affine_0/W", "affine_0/b", "layernorm_0/weight", "layernorm_0/bias", "embedding_0/table",
      ])
    let expected = parameters.map {
      expectedStep($0, decays: decayed.contains($0.path), learningRate: 0.01, decay: 0.1)
    }
    AdamW(learningRate: 0.01, weightDecay: 0.1, decay: selection).step(parameters)
    for (parameter, values) in zip(parameters, expected) {
      for (got, want) in zip(parameter.variable.value.scalars, values) {
        #expect(Swift.abs(got - want) < 1e-12, "\(parameter.path)")
      }
    }
  }

  @Test func matricesOnlyDecaysTheWeightMatrixOnly() {
    check(.matricesOnly, decayed: ["affine_0/W"])
  }

  @Test func allDecaysEveryParameterAsBefore() {
    let everything: Set = [
      "affine_0/W", "affine_0/b", "layernorm_0/weight", "layernorm_0/bias", "embedding_0/table",
    ]
    check(.all, decayed: everything)
    // `.all` is the default, and the same update as an optimiser made without a selection.
    let (a, b) = (parameters(), parameters())
    Adam(learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: true).step(a)
    AdamW(learningRate: 0.01, weightDecay: 0.1, decay: .all).step(b)
    for (x, y) in zip(a, b) { #expect(x.variable.value == y.variable.value) }
  }

  @Test func customPredicateChoosesByPath() {
    check(.custom { $0.path.hasSuffix("/b") }, decayed: ["affine_0/b"])
  }

  @Test func lookupTablesAreMarkedAtRegistration() {
    let flags = parameters().map(\.isLookupTable)
    #expect(flags == [false, false, false, false, true])
  }

  @Test func sgdSkipsUndecayedParameters() {
    let parameters = parameters()
    let before = parameters.map { ($0.variable.value.scalars, $0.variable.gradient?.scalars ?? []) }
    let sgd = SGD<Double>(learningRate: 0.1, weightDecay: 0.5)
    sgd.weightDecaySelection = .matricesOnly
    sgd.step(parameters)
    for (parameter, (p, g)) in zip(parameters, before) {
      let decay = parameter.path == "affine_0/W" ? 0.5 : 0
      for (got, (p, g)) in zip(parameter.variable.value.scalars, zip(p, g)) {
        #expect(Swift.abs(got - (p - 0.1 * (g + decay * p))) < 1e-12, "\(parameter.path)")
      }
    }
  }

  @Test func cosineScheduleWithWarmUpFollowsTheFormula() {
    let schedule = WarmUp(
      steps: 10, then: CosineDecay(initial: 6e-4, minimum: 6e-5, totalSteps: 90))
    for step in [0, 4, 9] {
      #expect(Swift.abs(schedule.learningRate(at: step) - 6e-4 * Double(step + 1) / 10) < 1e-15)
    }
    for step in [10, 30, 55, 99, 100, 500] {
      let progress = Double(min(step - 10, 90)) / 90
      let want = 6e-5 + (6e-4 - 6e-5) * (1 + cos(Double.pi * progress)) / 2
      #expect(Swift.abs(schedule.learningRate(at: step) - want) < 1e-15, "step \(step)")
    }
    // The schedule drives AdamW with a selection: the decay of the matrix follows the rate.
    let parameters = parameters()
    let optimizer = AdamW(learningRate: 0.0, weightDecay: 0.1, decay: .matricesOnly)
    optimizer.learningRate = schedule.learningRate(at: 3)
    let expected = parameters.map {
      expectedStep(
        $0, decays: $0.path == "affine_0/W", learningRate: optimizer.learningRate, decay: 0.1)
    }
    optimizer.step(parameters)
    for (parameter, values) in zip(parameters, expected) {
      for (got, want) in zip(parameter.variable.value.scalars, values) {
        #expect(Swift.abs(got - want) < 1e-12, "\(parameter.path)")
      }
    }
  }
}
