import Dispatch
import Testing

@testable import SwiftTensor

/// Expects `actual` to match `expected` in shape and, scalar by scalar, within tolerance.
func expectClose<T: TensorScalar>(
  _ actual: Tensor<T>, _ expected: Tensor<T>, tolerance: T? = nil,
  _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    actual.shape == expected.shape, "shape of \(T.self) result \(comment())",
    sourceLocation: sourceLocation)
  guard actual.shape == expected.shape else { return }
  let tol = tolerance ?? T.ulpOfOne * 64
  for (index, (a, e)) in zip(actual.scalars, expected.scalars).enumerated() {
    let ok = (a.isNaN && e.isNaN) || a == e || Swift.abs(a - e) <= tol * Swift.max(1, Swift.abs(e))
    if !ok {
      Issue.record(
        "\(T.self) element \(index): got \(a), expected \(e) \(comment())",
        sourceLocation: sourceLocation)
      return
    }
  }
}

/// Row-major multi-index of a flat position.
func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
  var index = Array(repeating: 0, count: shape.count)
  var rest = flat
  for axis in shape.indices.reversed() {
    index[axis] = rest % shape[axis]
    rest /= shape[axis]
  }
  return index
}

/// Flat position of a multi-index in `shape`, where size-1 or missing leading axes broadcast.
func broadcastFlatIndex(_ index: [Int], into shape: [Int]) -> Int {
  let lead = index.count - shape.count
  var flat = 0
  for axis in shape.indices {
    let i = shape[axis] == 1 ? 0 : index[axis + lead]
    flat = flat * shape[axis] + i
  }
  return flat
}

/// Deterministic test data in [-2, 2), distinct per `seed`.
func sample<T: TensorScalar>(_ shape: [Int], seed: UInt64, _: T.Type = T.self) -> Tensor<T> {
  Tensor<T>.random(shape: shape, lower: -2, upper: 2, seed: seed)
}

/// Expects an exit test's child process to have printed `message` on standard error.
func expectStderr(
  _ result: ExitTest.Result?, _ message: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard let result else { return }
  let stderr = String(decoding: result.standardErrorContent, as: UTF8.self)
  #expect(stderr.contains(message), "stderr was: \(stderr)", sourceLocation: sourceLocation)
}

/// Runs `round(thread, round)` for `rounds` rounds on each of four threads at once, and expects
/// every round to return true: for stress tests of shared pools, whose rounds take an item,
/// mark it as the thread's own, check the mark and give the item back (an item handed to two
/// threads, or a list broken by a race, shows as a foreign mark).
func expectNoClashOnFourThreads(
  rounds: Int, sourceLocation: SourceLocation = #_sourceLocation,
  _ round: @Sendable (_ thread: Int, _ round: Int) -> Bool
) {
  let clashes = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
  clashes.initialize(repeating: 0)
  defer { clashes.deallocate() }
  nonisolated(unsafe) let output = clashes
  DispatchQueue.concurrentPerform(iterations: 4) { thread in
    var clashCount = 0
    for index in 0..<rounds where !round(thread, index) { clashCount += 1 }
    output[thread] = clashCount
  }
  #expect(
    clashes.allSatisfy { $0 == 0 }, "clashes per thread: \(Array(clashes))",
    sourceLocation: sourceLocation)
}

/// Trains `model` (3 inputs, 1 output) by 101 SGD steps (learning rate 0.05) on a square loss
/// over a fixed 16-sample regression set, recording and backpropagating as a training step
/// does; returns the first and the last loss.
func trainOnSmallRegression(_ model: some Model<Double>) -> (first: Double, last: Double) {
  let inputs = sample([16, 3], seed: 1, Double.self)
  let targets = Tensor<Double>(shape: [16, 1], scalars: (0..<16).map { Double($0 % 4) - 1.5 })
  let optimizer = SGD<Double>(learningRate: 0.05)
  func step() -> Double {
    let tape = Tape<Double>()
    for parameter in model.parameters { tape.watch(parameter.variable) }
    zeroGradients(model.parameters)
    let output = model.forward(
      Variable(inputs, trainable: false), context: LayerContext(isTraining: true, seed: 0))
    let loss = output.squareLoss(target: Variable(targets, trainable: false))
    let value = loss.value.scalar
    loss.backward()
    optimizer.step(model.parameters)
    return value
  }
  let first = step()
  var last = first
  for _ in 0..<100 { last = step() }
  return (first, last)
}
