// The loops of softmax cross-entropy, over rows of `classes` scalars, one row per sample.

/// Writes each sample's loss `-log p[label]` into `losses` when `perSample`, else their sum
/// divided by `divisor` into `losses[0]` (summed in `Double`, so a large Float batch keeps full
/// precision).
@inlinable
func crossEntropyLosses<Scalar: TensorScalar>(
  logProbabilities: UnsafePointer<Scalar>, classes: Int, labels: [Int], perSample: Bool,
  divisor: Double, into losses: UnsafeMutablePointer<Scalar>
) {
  var total = 0.0
  for (sample, label) in labels.enumerated() {
    let loss = -logProbabilities[sample * classes + label]
    if perSample { losses[sample] = loss } else { total += Double(loss) }
  }
  if !perSample { losses[0] = Scalar(total / divisor) }
}

/// Writes the logits' gradient `(p - onehot(label))·scale` row by row, where `scale` is the
/// sample's output gradient when `perSample`, else the single output gradient over `divisor`.
@inlinable
func crossEntropyGradients<Scalar: TensorScalar>(
  probabilities: UnsafePointer<Scalar>, classes: Int, labels: [Int],
  outputGradients: UnsafePointer<Scalar>, perSample: Bool, divisor: Scalar,
  into gradients: UnsafeMutablePointer<Scalar>
) {
  for (sample, label) in labels.enumerated() {
    let scale = perSample ? outputGradients[sample] : outputGradients[0] / divisor
    let row = sample * classes
    for j in 0..<classes { gradients[row + j] = probabilities[row + j] * scale }
    gradients[row + label] -= scale
  }
}
