import Dispatch
import SwiftTensor

/// Per-operation cost of recording on the tape and backpropagating: a chain of element-wise
/// operations on 1-element tensors, where the arithmetic is negligible and the bookkeeping is
/// all that is measured.
func tapeOverhead(
  chainLength: Int = 10_000, repetitions: Int = 7
) -> (
  forward: Double, forwardBackward: Double, inference: Double
) {
  var forwardTimes: [Double] = []
  var totalTimes: [Double] = []
  var inferenceTimes: [Double] = []
  for _ in 0..<repetitions {
    let start = DispatchTime.now().uptimeNanoseconds
    let tape = Tape<Float>()
    var x = tape.variable([0.5])
    for step in 0..<chainLength {
      x = step % 2 == 0 ? x.tanh() : x * 1.01
    }
    let recorded = DispatchTime.now().uptimeNanoseconds
    x.backward()
    let end = DispatchTime.now().uptimeNanoseconds
    forwardTimes.append(Double(recorded - start) / Double(chainLength))
    totalTimes.append(Double(end - start) / Double(chainLength))

    let inferenceStart = DispatchTime.now().uptimeNanoseconds
    var y = Variable<Float>([0.5], trainable: false)
    for step in 0..<chainLength {
      y = step % 2 == 0 ? y.tanh() : y * 1.01
    }
    inferenceTimes.append(
      Double(DispatchTime.now().uptimeNanoseconds - inferenceStart) / Double(chainLength))
  }
  return (median(forwardTimes), median(totalTimes), median(inferenceTimes))
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
