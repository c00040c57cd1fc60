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

/// Training samples per second of the DigitsCNN playground's network (two 3x3 convolutions with
/// relu and 2x2 max pooling, then a linear read-out), Adam 1e-3, softmax cross-entropy, on
/// batches of 64 random 8x8 images with random labels: the median of five runs of 300 steps,
/// as `pytorch_reference.py` measures PyTorch.
func digitsCNNSamplesPerSecond() throws -> Double {
  let model = Graph<Float>("cnn", seed: 0, inputShape: [1, 8, 8]) {
    Conv2D(1, 16, kernelSize: 3, padding: 1, activation: .relu)
    MaxPool2D(kernelSize: 2)
    Conv2D(16, 32, kernelSize: 3, padding: 1, activation: .relu)
    MaxPool2D(kernelSize: 2)
    Flatten()
    Affine(128, 10)
  }
  let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: Adam(learningRate: 1e-3))
  trainer.reportsProgress = false
  // A fixed pool of batches made up front, so that the timing is the training step alone.
  let batches = (0..<16).map { index in
    Batch(
      inputs: Tensor<Float>.randomNormal(shape: [64, 1, 8, 8], seed: UInt64(index)),
      labels: (0..<64).map { ($0 * 7 + index) % 10 })
  }
  func run(_ steps: Int) throws {
    for step in 0..<steps { try trainer.trainStep(on: batches[step % 16]) }
  }
  try run(20)
  var rates: [Double] = []
  for _ in 0..<5 {
    let begin = DispatchTime.now().uptimeNanoseconds
    try run(300)
    rates.append(300 * 64 / (Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9))
  }
  return rates.sorted()[rates.count / 2]
}

/// Milliseconds for the forward and backward pass of a ResNet-style block: a 3x3 convolution
/// of 64 to 64 channels without bias, batch normalisation (training mode) and relu, on a batch
/// of 32 images of 32x32, with the gradients of the input (as for a block inside a network),
/// the kernels and the normalisation's scale and shift.
func resnetBlockMilliseconds() -> Double {
  let x = Tensor<Float>.randomNormal(shape: [32, 64, 32, 32], seed: 1)
  let block = Graph<Float>("block", seed: 0, inputShape: [64, 32, 32]) {
    Conv2D(64, 64, kernelSize: 3, padding: 1, bias: false)
    BatchNorm(channels: 64)
    Relu()
  }
  return medianMilliseconds(runs: 10) {
    let tape = Tape<Float>()
    for parameter in block.parameters {
      tape.watch(parameter.variable)
      parameter.variable.zeroGradient()
    }
    let context = LayerContext(isTraining: true, seed: 0)
    block.forward(tape.variable(x), context: context).sum().backward()
  }
}
