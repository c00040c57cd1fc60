import Dispatch
import SwiftTensor

/// Median milliseconds of `body` over `runs` runs after two warm-up runs.
func medianMilliseconds(runs: Int, _ body: () -> Void) -> Double {
  body()
  body()
  var times: [Double] = []
  for _ in 0..<runs {
    let begin = DispatchTime.now().uptimeNanoseconds
    body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
  }
  return times.sorted()[times.count / 2]
}

/// Milliseconds for the forward and backward pass of a 3x3 convolution, 64 to 64 channels,
/// on a batch of 32 images of 32x32 (without normalisation: the convolution alone), with the
/// input's gradient computed as for a block inside a network.
func convolutionMilliseconds() -> Double {
  let x = Tensor<Float>.random(shape: [32, 64, 32, 32], lower: -1, upper: 1, seed: 1)
  let weight = Variable(
    Tensor<Float>.random(shape: [64, 64, 3, 3], lower: -0.05, upper: 0.05, seed: 2))
  return medianMilliseconds(runs: 10) {
    let tape = Tape<Float>()
    tape.watch(weight)
    let y = tape.variable(x).conv2d(weight, padding: 1)
    y.sum().backward()
    weight.zeroGradient()
  }
}
