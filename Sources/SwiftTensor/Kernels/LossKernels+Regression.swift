// The loops of the robust regression losses, one formula for all three, with `d = p - t`:
// `scale·(|d| < β ? d²/(2β) : |d| - β/2)`. L1 is β = 0 (the quadratic branch is never taken),
// smooth L1 is scale 1, and Huber(δ) is β = δ with scale δ, so one loop serves them all.

/// Writes each element's loss into `losses` when `perElement`, else their sum divided by
/// `divisor` into `losses[0]` (summed in `Double`, so a large Float tensor keeps full precision).
///
/// - Complexity: O(`count`), one pass.
@inlinable
func robustRegressionLosses<Scalar: TensorScalar>(
  prediction: UnsafePointer<Scalar>, target: UnsafePointer<Scalar>, count: Int, beta: Scalar,
  scale: Scalar, perElement: Bool, divisor: Double, into losses: UnsafeMutablePointer<Scalar>
) {
  var total = 0.0
  for i in 0..<count {
    let difference = prediction[i] - target[i]
    let magnitude = difference.magnitude
    // A NaN difference fails the comparison and stays NaN in the linear branch.
    let loss =
      scale * (magnitude < beta ? difference * difference / (2 * beta) : magnitude - beta / 2)
    if perElement { losses[i] = loss } else { total += Double(loss) }
  }
  if !perElement { losses[0] = Scalar(total / divisor) }
}

/// Writes the prediction's gradient `scale·(|d| < β ? d/β : sign(d))·g`, where `g` is the
/// element's output gradient when `perElement`, else the single output gradient over
/// `divisor`. `sign(0)` is 0, as PyTorch's L1 loss has it.
///
/// - Complexity: O(`count`), one pass.
@inlinable
func robustRegressionGradients<Scalar: TensorScalar>(
  prediction: UnsafePointer<Scalar>, target: UnsafePointer<Scalar>, count: Int, beta: Scalar,
  scale: Scalar, outputGradients: UnsafePointer<Scalar>, perElement: Bool, divisor: Scalar,
  into gradients: UnsafeMutablePointer<Scalar>
) {
  let shared = perElement ? 0 : outputGradients[0] * scale / divisor
  for i in 0..<count {
    let difference = prediction[i] - target[i]
    // `difference` itself when it is 0 or NaN: sign 0 at the kink, NaN propagated.
    let slope =
      difference.magnitude < beta
      ? difference / beta : difference > 0 ? 1 : difference < 0 ? -1 : difference
    gradients[i] = slope * (perElement ? outputGradients[i] * scale : shared)
  }
}
