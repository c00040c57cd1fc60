import SwiftTensor

/// Billions of parameters per second updated by one Adam step (and one momentum SGD step) on
/// a 1024 x 1024 weight and its bias, through the public `Optimizer` API.
func optimizerThroughput(_ optimizer: some Optimizer<Float>) -> Double {
  let model = Graph<Float>("adam", seed: 0) { Affine(1024, 1024) }
  let parameters = model.parameters
  for parameter in parameters {
    parameter.variable.gradient = Tensor.random(shape: parameter.variable.value.shape, seed: 2)
  }
  let count = parameters.reduce(0) { $0 + $1.variable.value.scalarCount }
  optimizer.step(parameters)  // creates the state buffers
  return Double(count) / medianSeconds { optimizer.step(parameters) } / 1e9
}
