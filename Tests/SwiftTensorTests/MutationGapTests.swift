import Testing

@testable import SwiftTensor

/// Tests for bugs that mutation testing planted and the rest of the suite let through
/// (`scripts/mutation-test.sh` replays them): gradient clipping compared with the squared norm,
/// and every epoch shuffled with one constant seed.
@Suite struct MutationGapTests {
  /// Parameters with the given gradients, for `clipGradients`.
  func parameters(_ gradients: [[Double]]) -> [NamedParameter<Double>] {
    gradients.enumerated().map { index, gradient in
      let variable = Variable(Tensor<Double>(gradient), name: "p\(index)")
      variable.gradient = Tensor(gradient)
      return NamedParameter(path: variable.name, variable: variable, initializer: .constant(0))
    }
  }

  /// A parameter's gradient as an array (empty when it has none).
  func gradient(of parameter: NamedParameter<Double>) -> [Double] {
    parameter.variable.gradient?.scalars ?? []
  }

  /// The global norm of the parameters' gradients.
  func norm(_ parameters: [NamedParameter<Double>]) -> Double {
    parameters.map { gradient(of: $0).map { $0 * $0 }.reduce(0, +) }
      .reduce(0, +).squareRoot()
  }

  /// Below the maximum, gradients are left exactly as they are, even where the squared norm
  /// exceeds the maximum (norm 2, squared 4, maximum 3).
  @Test func clippingLeavesANormBelowTheMaximumUnchanged() {
    for (gradients, maximum) in [([[2.0, 0], [0]], 3.0), ([[0.3, 0.4], [0]], 0.6)] {
      let parameters = parameters(gradients)
      let reported = clipGradients(parameters, maximumNorm: maximum)
      #expect(Swift.abs(reported - norm(parameters)) < 1e-15)
      #expect(parameters.map { gradient(of: $0) } == gradients, "maximum \(maximum)")
    }
  }

  /// Just above the maximum, gradients are scaled to the maximum norm, keeping their direction,
  /// also where the squared norm is below the maximum (norm 0.6, squared 0.36, maximum 0.5).
  @Test func clippingScalesANormAboveTheMaximumToIt() {
    for (gradients, maximum) in [([[0.6, 0], [0]], 0.5), ([[3, 0], [4.0001]], 5.0)] {
      let parameters = parameters(gradients)
      let before = norm(parameters)
      #expect(clipGradients(parameters, maximumNorm: maximum) == before)
      #expect(Swift.abs(norm(parameters) - maximum) < 1e-12, "maximum \(maximum)")
      for (parameter, original) in zip(parameters, gradients) {
        let expected = original.map { $0 * maximum / before }
        for (value, wanted) in zip(gradient(of: parameter), expected) {
          #expect(Swift.abs(value - wanted) < 1e-12)
        }
      }
    }
  }

  /// The trainer applies `maximumGradientNorm` with the same rule: `mean(x·W + b)` on
  /// `x = [[1, 2], [3, 4]]` has gradients `[2, 3]` and `[1]`, norm √14 ≈ 3.74.
  @Test func trainerClipsAtTheMaximumNorm() throws {
    for (maximum, clipped) in [(5.0, false), (3.7, true)] {
      let model = Graph<Double>("linear", seed: 1) { Affine(2, 1) }
      let trainer = Trainer(
        model, loss: { output, _ in output.mean() }, optimizer: SGD(learningRate: 0))
      trainer.maximumGradientNorm = maximum
      try trainer.trainStep(on: Batch(inputs: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])))
      let gradients = model.parameters.map { gradient(of: $0) }
      let scale = clipped ? maximum / 14.squareRoot() : 1
      let expected = [[2 * scale, 3 * scale], [scale]]
      for (gradient, wanted) in zip(gradients.joined(), expected.joined()) {
        #expect(Swift.abs(gradient - wanted) < 1e-12, "maximum \(maximum)")
      }
    }
  }

  /// The order in which `Trainer.fit` visits the samples of each epoch, for a trainer `seed`.
  func epochOrders(seed: UInt64, epochs: Int) throws -> [[Double]] {
    final class Seen { var inputs: [Double] = [] }
    let seen = Seen()
    let model = Graph<Double>("linear", seed: 1) { Affine(1, 1) }
    let trainer = Trainer(
      model,
      loss: { output, batch in
        seen.inputs += batch.inputs.scalars
        return output.mean()
      }, optimizer: SGD(learningRate: 0), seed: seed)
    trainer.reportsProgress = false
    let count = 12
    let data = Dataset(
      inputs: Tensor<Double>(shape: [count, 1], scalars: (0..<count).map(Double.init)),
      targets: .zeros(shape: [count, 1]))
    _ = try trainer.fit(data, epochs: epochs, batchSize: 5)
    return (0..<epochs).map { Array(seen.inputs[($0 * count)..<(($0 + 1) * count)]) }
  }

  /// Each epoch is a new permutation of all samples; the same seed gives the same epochs, and
  /// another seed other ones.
  @Test func eachEpochShufflesAnewFromTheTrainersSeed() throws {
    let orders = try epochOrders(seed: 7, epochs: 3)
    for order in orders { #expect(order.sorted() == (0..<12).map(Double.init)) }
    #expect(Set(orders).count == 3, "epochs repeat an order: \(orders)")
    #expect(try epochOrders(seed: 7, epochs: 3) == orders, "the same seed must reproduce")
    let other = try epochOrders(seed: 8, epochs: 3)
    for epoch in 0..<3 { #expect(other[epoch] != orders[epoch], "seed 8, epoch \(epoch)") }
  }
}
