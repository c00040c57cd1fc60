import Testing

@testable import SwiftTensor

/// Parameter gradients written straight into kept buffers (`Trainer` steps, `AffineTransform`):
/// the same numbers as fresh gradients, accumulation across passes, and no new buffer per step.
@Suite struct GradientBufferTests {
  func batches() -> [Batch<Double>] {
    (0..<3).map { index in
      let x = Tensor<Double>.random(shape: [5, 4], lower: -1, upper: 1, seed: 40 + UInt64(index))
      return Batch(inputs: x, labels: (0..<5).map { ($0 + index) % 3 })
    }
  }

  func model() -> Graph<Double> {
    Graph<Double>("mlp", seed: 3) {
      Affine(4, 6)
      Tanh()
      Affine(6, 3)
    }
  }

  @Test func trainerStepsMatchStepsWithFreshGradients() {
    let kept = model()
    let trainer = Trainer(kept, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.3))
    let fresh = model()
    let optimizer = SGD<Double>(learningRate: 0.3)
    var buffers: [ObjectIdentifier?] = []
    for (step, batch) in batches().enumerated() {
      trainer.trainStep(on: batch)
      // The reference: gradients cleared to nil, so every contribution is a new tensor.
      let tape = Tape<Double>()
      for parameter in fresh.parameters { tape.watch(parameter.variable) }
      let output = fresh.forward(
        Variable(batch.inputs, trainable: false), context: LayerContext(isTraining: true, seed: 0))
      zeroGradients(fresh.parameters)
      output.softmaxCrossEntropy(labels: batch.labels!).backward()
      optimizer.step(fresh.parameters)
      for (a, b) in zip(kept.parameters, fresh.parameters) {
        #expect(a.variable.value == b.variable.value, "step \(step) \(a.path)")
        #expect(a.variable.gradient == b.variable.gradient, "step \(step) \(a.path)")
      }
      let identities = kept.parameters.map {
        $0.variable.gradient.map { ObjectIdentifier($0.storage) }
      }
      if step > 0 { #expect(identities == buffers, "a new gradient buffer at step \(step)") }
      buffers = identities
    }
  }

  @Test func affineGradientsAccumulateAcrossPasses() {
    let w = Variable<Double>(.random(shape: [4, 3], seed: 5))
    let b = Variable<Double>(.random(shape: [3], seed: 6))
    let x = Tensor<Double>.random(shape: [2, 4], seed: 7)
    func pass() {
      let tape = Tape<Double>()
      tape.watch(w)
      tape.watch(b)
      Variable(x, trainable: false).affine(w, b).squared().sum().backward()
    }
    pass()
    let (once, onceBias) = (w.gradient!, b.gradient!)
    pass()
    #expect(w.gradient!.isApproximatelyEqual(to: once * 2))
    #expect(b.gradient!.isApproximatelyEqual(to: onceBias * 2))
  }
}
