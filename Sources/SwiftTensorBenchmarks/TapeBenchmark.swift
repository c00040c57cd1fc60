import Dispatch
import SwiftTensor

/// Per-operation cost of recording on the tape and backpropagating: a chain of element-wise
/// operations on 1-element tensors, where the arithmetic is negligible and the bookkeeping is
/// all that is measured.
///
/// `tensors` is the same chain on bare tensors (no variables): the cost of the arithmetic and
/// the allocations alone, a control that shows how fast the machine is running at the time.
func tapeOverhead(
  chainLength: Int = 10_000, repetitions: Int = 7
) -> (
  forward: Double, forwardBackward: Double, inference: Double, tensors: Double
) {
  var forwardTimes: [Double] = []
  var totalTimes: [Double] = []
  var inferenceTimes: [Double] = []
  var tensorTimes: [Double] = []
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

    let tensorStart = DispatchTime.now().uptimeNanoseconds
    var t = Tensor<Float>([0.5])
    for step in 0..<chainLength { t = step % 2 == 0 ? t.tanh() : t * 1.01 }
    tensorTimes.append(
      Double(DispatchTime.now().uptimeNanoseconds - tensorStart) / Double(chainLength))
    precondition(t.scalarCount == 1 && y.value.scalarCount == 1)
  }
  return (median(forwardTimes), median(totalTimes), median(inferenceTimes), median(tensorTimes))
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
