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

  @Test func trainerStepsMatchStepsWithFreshGradients() throws {
    let kept = model()
    let trainer = Trainer(kept, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.3))
    let fresh = model()
    let optimizer = SGD<Double>(learningRate: 0.3)
    var buffers: [ObjectIdentifier?] = []
    for (step, batch) in batches().enumerated() {
      try trainer.trainStep(on: batch)
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

  @Test func gradientsSetAsideAreOverwrittenOrZeroed() {
    let (w, v) = (Variable<Double>(.random(shape: [4, 3], seed: 8)), Variable<Double>([1, 2]))
    func pass(_ w: Variable<Double>, seed: UInt64, using v: Variable<Double>? = nil) {
      let tape = Tape<Double>()
      tape.watch(w)
      if let v { tape.watch(v) }
      let x = Variable(Tensor<Double>.random(shape: [2, 4], seed: seed), trainable: false)
      let loss = x.affine(w).squared().sum()
      (v.map { loss + ($0 * $0).sum() } ?? loss).backward()
    }
    pass(w, seed: 9, using: v)
    let first = w.gradient!  // a copy the caller keeps
    for variable in [w, v] { variable.setGradientAside() }
    pass(w, seed: 10)
    for variable in [w, v] { variable.settleGradient() }
    let (reference, firstReference) = (Variable(w.value), Variable(w.value))
    pass(reference, seed: 10)
    pass(firstReference, seed: 9, using: Variable<Double>([1, 2]))
    // The second pass's gradient alone, not added to the first; the caller's copy unchanged.
    #expect(w.gradient == reference.gradient)
    #expect(first == firstReference.gradient && first != reference.gradient)
    #expect(v.gradient == Tensor(repeating: 0, shape: [2]), "no contribution: zeros, as before")
    #expect(w.spareGradient == nil && v.spareGradient == nil)
  }

  // Backward passes reuse an output gradient's buffer for the input gradient when nothing
  // else can read it (see `UnaryTapeEntry`).

  @Test func intermediatesTheCallerHoldsKeepTheirGradients() throws {
    let tape = Tape<Double>()
    let x = tape.variable([0.5, -1])
    let h = x.tanh()  // held: its gradient must survive the backward pass
    (h * 3).exp().sum().backward()
    let e = (h.value * 3).exp()
    let hGradient = try #require(h.gradient, "an intermediate the caller holds keeps its gradient")
    #expect(hGradient.isApproximatelyEqual(to: e * 3, relativeTolerance: 1e-12))
    let dx = e * 3 * (1 - h.value * h.value)
    #expect(x.gradient!.isApproximatelyEqual(to: dx, relativeTolerance: 1e-12))
  }

  @Test func outputsOfBinaryOperationsTheCallerHoldsKeepTheirGradients() throws {
    let tape = Tape<Double>()
    let x = tape.variable([0.5, -1])
    let w = tape.variable([2, 4])
    let product = x * w  // recorded without its output (`Multiply` does not read it)
    let quotient = x / w  // recorded with its output (`Divide` reads it)
    (product * 3 + quotient * 5).sum().backward()
    #expect(try #require(product.gradient, "the caller holds the product") == [3, 3])
    #expect(try #require(quotient.gradient, "the caller holds the quotient") == [5, 5])
    // d/dx = 3w + 5/w; d/dw = 3x - 5x/w².
    #expect(x.gradient!.isApproximatelyEqual(to: [8.5, 13.25], relativeTolerance: 1e-12))
    #expect(w.gradient!.isApproximatelyEqual(to: [0.875, -2.6875], relativeTolerance: 1e-12))
  }

  @Test func aSeedTheCallerHoldsIsNotOverwritten() {
    let tape = Tape<Float>()
    let x = tape.variable([0.25, 2])
    let seed: Tensor<Float> = [2, -3]
    let y = x.sigmoid().relu().tanh()
    y.backward(seed: seed)
    #expect(seed == [2, -3])
    #expect(y.gradient == [2, -3])
  }

  @Test func chainsOfElementwiseOperationsGiveExactGradients() {
    func check<Scalar: TensorScalar>(_: Scalar.Type) {
      let tape = Tape<Scalar>()
      let x = tape.variable([0.5, -0.25, 1])
      var y = x
      var expected = Tensor<Scalar>(repeating: 1, shape: [3])
      var values = x.value
      // y = -(…(2·tanh(2·tanh(x)))…): the derivative is the product of each step's.
      for _ in 0..<20 {
        let t = values.tanh()
        expected = expected * (1 - t * t) * -2
        values = t * -2
        y = -(y.tanh() * 2)
      }
      y.sum().backward()
      #expect(x.gradient!.isApproximatelyEqual(to: expected, relativeTolerance: Scalar(1e-4)))
    }
    check(Float.self)
    check(Double.self)
  }
}
