import SwiftTensor

/// Milliseconds (median) of one forward and backward pass of `Affine(128, 512)` with GELU
/// (tanh form) on a `[2048, 128]` batch: fused (`activation: .gelu(.tanh)`, one recorded
/// operation) and separate (`Affine` then `GELU`, two), in that order.
func affineGELUMilliseconds() -> (fused: Double, separate: Double) {
  let x = Tensor<Float>.random(shape: [2048, 128], lower: -2, upper: 2, seed: 1)
  func step(_ affine: Affine<Float>, fused: Bool) -> Double {
    let parameters = Graph<Float>("mlp") { affine }.parameters
    let context = LayerContext(isTraining: true, seed: 0)
    let run = {
      zeroGradientsKeepingBuffers(parameters)
      let tape = Tape<Float>()
      var y = affine(tape.variable(x), context: context)
      if !fused { y = y.gelu(approximation: .tanh) }
      y.sum().backward()
    }
    run()
    return medianMilliseconds(runs: 30, run)
  }
  let fused = step(Affine(128, 512, activation: .gelu(.tanh)), fused: true)
  let separate = step(Affine(128, 512), fused: false)
  return (fused, separate)
}
