import Dispatch
import Foundation
import SwiftTensor

/// Issue 21's accuracy-equality check: the wide MLP of `wideMLPSamplesPerSecond` (64-256 relu,
/// 256-256 relu, 256-10; softmax cross-entropy, Adam lr 1e-3 with β1 0.9, β2 0.999, ε 1e-8 added
/// to √v̂; batch 64) trained on the bundled digits split, after writing everything another
/// framework needs to run the very same training into a directory:
///
///     SwiftTensorBenchmarks --accuracy-check DIR [--epochs N]     (default 30 epochs)
///
/// The files in DIR (safetensors, little-endian, row-major):
///
/// - `initial_parameters.safetensors`: the parameters of `Graph` seed 0, F32, named
///   `affine_<layer>/W` with shape `[in, out]` (the layer computes `x·W + b`, so a
///   `torch.nn.Linear` weight is its transpose) and `affine_<layer>/b` with shape `[out]`; the
///   metadata `parameters` lists the names in layer order, comma-separated.
/// - `data.safetensors`: `train_inputs` F32 `[1347, 64]` (pixels divided by 16), `train_labels`
///   I64 `[1347]`, `test_inputs` F32 `[450, 64]`, `test_labels` I64 `[450]`.
/// - `batch_order.safetensors`: `order` I64 `[epochs, 1347]`, the permutation of training
///   indices each epoch visits: batch `k` of epoch `e` is the rows
///   `order[e, 64k ..< min(64(k+1), 1347)]`, so each epoch ends with a smaller batch, which
///   every side keeps. The metadata holds the hyperparameters (`batch_size`, `learning_rate`,
///   `beta1`, `beta2`, `epsilon`, `epochs`) for the other side to read rather than repeat.
/// - `final_swifttensor.safetensors`: the parameters after training, named as the initial ones.
///
/// Prints JSON: `test_accuracy` (the fraction of test images whose largest logit is at their
/// label; the first largest on a tie, as numpy's `argmax`), `test_correct`, `test_count`,
/// `steps` and the training `seconds`. jax_reference.py and pytorch_reference.py's `accuracy DIR`
/// modes train from these files, and compare_accuracy.py drives all three.
func accuracyCheck(_ arguments: [String]) throws -> [(String, Double)] {
  guard arguments.count >= 3 else {
    throw AccuracyCheckError(description: "usage: --accuracy-check DIR [--epochs N]")
  }
  let directory = URL(fileURLWithPath: arguments[2], isDirectory: true)
  var epochs = 30
  if let flag = arguments.firstIndex(of: "--epochs") {
    guard flag + 1 < arguments.count, let value = Int(arguments[flag + 1]), value > 0 else {
      throw AccuracyCheckError(description: "--epochs needs a positive integer")
    }
    epochs = value
  }
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

  let (train, test) = try Digits.load(as: Float.self)
  let model = Graph<Float>("mlp", seed: 0) {
    Affine(64, 256, activation: .relu)
    Affine(256, 256, activation: .relu)
    Affine(256, 10)
  }
  let optimizer = Adam<Float>(learningRate: 1e-3)
  let batchSize = 64
  // The orders are drawn before training and written first, so the files are the run's
  // complete description even if training stops.
  var generator = SeededGenerator(seed: 1)
  let epochBatches = (0..<epochs).map { _ in
    train.batches(size: batchSize, using: &generator)
  }

  var initial = model.checkpoint()
  initial.metadata["parameters"] = model.parameters.map(\.path).joined(separator: ",")
  try initial.write(to: directory.appendingPathComponent("initial_parameters.safetensors"))
  var data = SafeTensors()
  data.set(train.inputs, named: "train_inputs")
  data.set(integers(train.labels), shape: [train.count], named: "train_labels")
  data.set(test.inputs, named: "test_inputs")
  data.set(integers(test.labels), shape: [test.count], named: "test_labels")
  try data.write(to: directory.appendingPathComponent("data.safetensors"))
  var order = SafeTensors()
  order.set(
    epochBatches.flatMap { $0.order.map(Int64.init) }, shape: [epochs, train.count],
    named: "order")
  order.metadata = [
    "batch_size": String(batchSize), "epochs": String(epochs),
    "learning_rate": String(optimizer.learningRate), "beta1": String(optimizer.beta1),
    "beta2": String(optimizer.beta2), "epsilon": String(optimizer.epsilon),
  ]
  try order.write(to: directory.appendingPathComponent("batch_order.safetensors"))

  let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: optimizer)
  trainer.reportsProgress = false
  let begin = DispatchTime.now().uptimeNanoseconds
  _ = try trainer.fit(
    epochs: epochs, trainingBatches: { epoch in epochBatches[epoch].map(Batch.init) })
  let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
  try model.checkpoint().write(
    to: directory.appendingPathComponent("final_swifttensor.safetensors"))

  let labels = test.labels ?? []
  let logits = model.predict(test.inputs).scalars
  let classes = Digits.classCount
  let correct = labels.indices.filter { row in
    let scores = logits[row * classes..<(row + 1) * classes]
    // The strict `>` keeps the first of equal maxima, as numpy's and JAX's argmax do.
    let predicted = scores.indices.reduce(scores.startIndex) { scores[$1] > scores[$0] ? $1 : $0 }
    return predicted - row * classes == labels[row]
  }.count
  return [
    ("test_accuracy", Double(correct) / Double(labels.count)),
    ("test_correct", Double(correct)), ("test_count", Double(labels.count)),
    ("epochs", Double(epochs)), ("steps", Double(trainer.step)), ("seconds", seconds),
  ]
}

/// The labels as the I64 values a safetensors file stores.
private func integers(_ labels: [Int]?) -> [Int64] { (labels ?? []).map(Int64.init) }

/// A usage or argument error of the accuracy check, printed by main.swift.
struct AccuracyCheckError: Error, CustomStringConvertible {
  /// What went wrong.
  let description: String
}
