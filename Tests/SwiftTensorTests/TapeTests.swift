import Foundation
import Testing

@testable import SwiftTensor

@Suite struct TapeTests {
  @Test func recordsOnlyWhatNeedsGradients() {
    let w = Variable<Float>([[1, 2], [3, 4]], name: "W")
    // No tape: inference records nothing and still computes.
    let plain = Variable<Float>([[1, 1]], trainable: false)
    #expect(plain.matmul(w).value == [[4, 6]])
    #expect(plain.matmul(w).tape == nil)

    let tape = Tape<Float>()
    let x = tape.variable([[1, 1]], name: "x")
    let y = x.matmul(w).sum()
    #expect(tape.count == 2)
    y.backward()
    #expect(w.gradient == [[1, 1], [1, 1]])
    #expect(x.gradient == [[3, 7]])
    #expect(tape.count == 0, "backward drops the record")
  }

  @Test func gradientsAccumulateAcrossUsesAndPasses() {
    let w = Variable<Double>([2], name: "w")
    for _ in 0..<2 {
      let tape = Tape<Double>()
      tape.watch(w)
      let x = tape.variable([3])
      // y = w·x + w² → dy/dw = x + 2w = 7 per pass.
      (w * x + w * w).sum().backward()
    }
    #expect(w.gradient == [14])
    w.zeroGradient()
    #expect(w.gradient == nil)
  }

  @Test func watchedParameterAloneIsRecorded() {
    let w = Variable<Float>([1, -2, 3], name: "w")
    let tape = Tape<Float>()
    tape.watch(w)
    w.squared().sum().backward()
    #expect(w.gradient == [2, -4, 6])
  }

  @Test func multiOutputOperationGetsZerosForUnusedOutputs() {
    let tape = Tape<Float>()
    let x = tape.variable([1, 2, 3, 4])
    let parts = x.split(sizes: [1, 3])
    (parts[1] * Variable<Float>([1, 2, 3], trainable: false)).sum().backward()
    #expect(x.gradient == [0, 1, 2, 3])
  }

  @Test func droppingTheTapeFreesTheGraphAndStopsRecording() {
    weak var weakOutput: Variable<Float>?
    var x: Variable<Float>? = nil
    do {
      let tape = Tape<Float>()
      x = tape.variable([1, 2])
      let y = x!.exp()
      weakOutput = y
      #expect(tape.count == 1)
    }
    // The tape is gone: its record no longer keeps the output alive, and x records nothing.
    #expect(weakOutput == nil)
    let z = x!.exp()
    #expect(z.tape == nil)
  }

  @Test func backwardDropsEachEntryAndLeavesLongChainsFreeable() {
    let tape = Tape<Double>()
    var x = tape.variable([0.5])
    let start = x
    for _ in 0..<50_000 { x = x * 1.0 }
    x.backward()
    #expect(tape.count == 0)
    #expect(start.gradient == [1])
  }

  /// What a backward pass was given, for `Doubling`.
  final class SeenByBackward: @unchecked Sendable {
    var x: [Float] = []
    var y: [Float] = []
  }

  /// `2x`, whose backward records the `x` and `y` it is given, declaring that it reads only
  /// `y`.
  struct Doubling<Scalar: TensorScalar>: UnaryOperation {
    let seen: SeenByBackward
    static var backwardReadsInput: Bool { false }
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * 2 }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    {
      seen.x = x.scalars.map { Float($0) }
      seen.y = y.scalars.map { Float($0) }
      return dy * 2
    }
  }

  /// `Doubling` with the default `backwardReadsInput` (true).
  struct DoublingReadingInput<Scalar: TensorScalar>: UnaryOperation {
    let doubling: Doubling<Scalar>
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { doubling.forward(x) }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    { doubling.backward(x, y, dy) }
  }

  @Test func backwardGetsTheInputUnlessTheOperationReadsOnlyItsOutput() {
    let tape = Tape<Float>()
    let x = tape.variable([1, 3])
    let readsInput = SeenByBackward()
    let outputOnly = SeenByBackward()
    let y = DoublingReadingInput(doubling: Doubling(seen: readsInput))(x)
    Doubling(seen: outputOnly)(y).sum().backward()
    // The default keeps the input; an output-only operation gets its output in both places.
    #expect(readsInput.x == [1, 3] && readsInput.y == [2, 6])
    #expect(outputOnly.x == [4, 12] && outputOnly.y == [4, 12])
    #expect(x.gradient == [4, 4])
  }

  /// `a·b`, whose backward records the `y` it is given; `ReadsOutput` sets
  /// `backwardReadsOutput`.
  struct Product<Scalar: TensorScalar, ReadsOutput: OutputReading>: BinaryOperation {
    let seen: SeenByBackward
    static var backwardReadsOutput: Bool { ReadsOutput.readsOutput }
    func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> { a * b }
    func backward(
      _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> (Tensor<Scalar>, Tensor<Scalar>) {
      seen.y = y.scalars.map { Float($0) }
      return (dy * b, dy * a)
    }
  }
  protocol OutputReading { static var readsOutput: Bool { get } }
  enum ReadsOutput: OutputReading { static var readsOutput: Bool { true } }
  enum IgnoresOutput: OutputReading { static var readsOutput: Bool { false } }

  @Test func binaryBackwardGetsTheOutputUnlessTheOperationIgnoresIt() {
    let tape = Tape<Float>()
    let a = tape.variable([2, 3])
    let b = tape.variable([5, 7])
    let reading = SeenByBackward()
    let ignoring = SeenByBackward()
    let y = Product<Float, ReadsOutput>(seen: reading)(a, b)
    let z = Product<Float, IgnoresOutput>(seen: ignoring)(y, b)
    (z * 2).sum().backward()
    // The default keeps the output; an operation that ignores it gets `dy` in its place.
    #expect(reading.y == [10, 21])
    #expect(ignoring.y == [2, 2])
    #expect(a.gradient == [50, 98] && b.gradient == [40, 84])
  }

  @Test func inputsAreCapturedWhileOutputsAreFixedUntilBackward() async {
    let tape = Tape<Float>()
    let x = tape.variable([3])
    let w = Variable<Float>([2], name: "w")
    let y = (x * w).tanh()
    // Inputs and parameters may change: the tape recorded their values.
    w.value = [100]
    x.value = [-1]
    y.backward()
    let t = Foundation.tanh(Float(6))
    let expected = 2 * (1 - t * t)
    #expect(abs(x.gradient!.scalars[0] - expected) < 1e-6)
    y.value = [0]  // after backward: free to change
    #expect(y.value == [0])
    do {
      let tape = Tape<Float>()
      let z = tape.variable([1]).exp()
      _ = consume tape
      z.value = [5]  // the tape is gone: nothing reads it
      #expect(z.value == [5])
    }

    do {
      let tape = Tape<Float>()
      let x = tape.variable([1])
      let dropped = x.tanh()
      tape.reset()  // drops the entry that read `dropped`
      dropped.value = [3]
      #expect(dropped.value == [3] && tape.count == 0)
    }

    let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      let y = tape.variable([1, 2]).tanh()
      y.value = [0, 0]
      y.sum().backward()
    }
    expectStderr(
      r1, "Variable 'Tanh': the value of an operation's output was set before its tape's")
    let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      let y = tape.variable([1, 2]).sigmoid()
      y.value.withUnsafeMutableBufferPointer { $0[0] = 5 }
      y.sum().backward()
    }
    expectStderr(r2, "Variable 'Sigmoid': the value of an operation's output was set before")
    let r3 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      let x = tape.variable([1, 2])
      x.exp().sum().backward()
      tape.reset()
      let y = x.exp()  // recorded after the reset: its entry is pending again
      y.value = [0, 0]
    }
    expectStderr(r3, "Variable 'Exp': the value of an operation's output was set before")
  }

  /// `x + 1`, whose forward pass also sets `variable` to `3x`: a forward pass may reach a
  /// variable, which may be its own input.
  struct TriplesVariable: UnaryOperation {
    typealias Scalar = Float
    let variable: Variable<Float>
    static var backwardReadsInput: Bool { false }
    func forward(_ x: Tensor<Float>) -> Tensor<Float> {
      variable.value = x * 3
      return x + 1
    }
    func backward(_ x: Tensor<Float>, _ y: Tensor<Float>, _ dy: Tensor<Float>) -> Tensor<Float> {
      dy
    }
  }

  @Test func theInputsValueIsBackAfterItWasLentToTheForwardPass() {
    let tape = Tape<Float>()
    let x = tape.variable([1, -2])
    // A library operation reads the value moved out of `x`, which gets it back.
    let y = x.tanh()
    #expect(x.value == [1, -2] && y.value.scalars.map { Float($0) } == [tanh(1), tanh(-2)])
    // An operation from outside the library may reach its input variable: it gets a copy.
    #expect(TriplesVariable(variable: x)(x).value == [2, -1])
    #expect(x.value == [3, -6])
  }

  @Test func printsLikePytensor() {
    let v = Variable<Float>([1, 2], name: "hello")
    let text = "\(v)"
    #expect(text.hasPrefix("Variable {name: hello}\n- value    : "))
    #expect(text.hasSuffix("- gradient : nil"))
  }

  @Test func misuseStopsWithAMessage() async {
    let r1 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      tape.variable([1, 2], name: "v").exp().backward()
    }
    expectStderr(r1, "backward: the variable 'Exp' has shape [2]; backward() without a seed")
    let r2 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      let loss = tape.variable([1, 2]).sum()
      loss.backward()
      loss.backward()
    }
    expectStderr(r2, "backward: this tape's backward() already ran")
    let r3 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Float>()
      _ = tape.variable(.zeros(shape: [2, 3])).softmaxCrossEntropy(labels: [0, 3])
    }
    expectStderr(r3, "SoftmaxCrossEntropy: label 3 of sample 1 is out of range for 3 classes")
    let r4 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      Variable<Float>([1], name: "w").sum().backward()
    }
    expectStderr(r4, "backward: the variable 'Sum' was not computed on a live tape")
    let r4b = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var loss: Variable<Float>? = nil
      do {
        let tape = Tape<Float>()
        loss = tape.variable([1, 2]).sum()
      }
      loss!.backward()
    }
    expectStderr(r4b, "backward: the variable 'Sum' was not computed on a live tape")
    let r5 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let tape = Tape<Double>()
      _ = tape.variable(.zeros(shape: [2, 3])).affine(Variable(.zeros(shape: [2, 3])))
    }
    expectStderr(r5, "AffineTransform: x of shape [2, 3] does not fit W of shape [2, 3]")
    // A parameter used off the tape must not silently lose its gradient.
    let r6 = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let w = Variable<Double>([2], name: "w")
      let tape = Tape<Double>()
      _ = (w * tape.variable([3]) + w * w).sum()
    }
    expectStderr(
      r6, "Addition: input 1 ('Multiply') was computed from trainable variables that are on")
  }

}
