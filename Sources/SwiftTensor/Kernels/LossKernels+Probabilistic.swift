// The loops of binary cross-entropy with logits, negative log-likelihood and KL divergence.
// Binary cross-entropy runs a vector of lanes at a time: its exponential and logarithm are the
// library's vectorised ones.

/// `e^{-|z|}`, `1 + e^{-|z|}` and `log(1 + e^{-|z|})` of each lane: everything binary
/// cross-entropy with logits and its derivative need, without overflow for any finite `z`.
@inlinable
@inline(__always)
func logisticTerms<Scalar: TensorScalar>(
  _ z: Scalar.Vector, _: Scalar.Type
) -> (e: Scalar.Vector, onePlusE: Scalar.Vector, log1pE: Scalar.Vector) {
  let e = Scalar._vectorExp(z.replacing(with: -z, where: z .> 0))
  let onePlusE = 1 + e
  // `log(1 + e)` loses e's digits when e is tiny next to 1; `log(u)·e/(u - 1)` with `u = 1 + e`
  // restores them (Goldberg's log1p), and is e itself where `1 + e` rounds to 1.
  let rounded = onePlusE - 1
  let exact = rounded .== 0
  let ratio = e / rounded.replacing(with: 1, where: exact)
  return (e, onePlusE, (Scalar._vectorLog(onePlusE) * ratio).replacing(with: e, where: exact))
}

/// Loads `count` scalars from `pointer + offset` into the low lanes of a zero vector.
@inlinable
@inline(__always)
func loadLanes<Scalar: TensorScalar>(
  _ pointer: UnsafePointer<Scalar>, _ offset: Int, _ count: Int
) -> Scalar.Vector {
  var vector = Scalar.Vector(repeating: 0)
  for lane in 0..<count { vector[lane] = pointer[offset + lane] }
  return vector
}

/// Writes each element's loss `((1 - t)·z + w·max(-z, 0)) + w·log(1 + e^{-|z|})`, with
/// `w = 1 + (positiveWeight - 1)·t`, into `losses` when `perElement`, else their sum divided by
/// `divisor` into `losses[0]` (summed in `Double`).
///
/// - Complexity: O(`count`), one pass.
@inlinable
func binaryCrossEntropyLosses<Scalar: TensorScalar>(
  logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int,
  positiveWeight: Scalar, perElement: Bool, divisor: Double,
  into losses: UnsafeMutablePointer<Scalar>
) {
  let width = Scalar.Vector.scalarCount
  var total = 0.0
  var start = 0
  while start < count {
    let lanes = Swift.min(width, count - start)
    let (z, t) = (loadLanes(logits, start, lanes), loadLanes(targets, start, lanes))
    let weight = 1 + (positiveWeight - 1) * t
    // The linear terms first: for a target of 0 or 1 they cancel exactly, so a tiny loss keeps
    // its digits instead of vanishing in `-30 + (30 + 1e-13)`.
    let linear = (1 - t) * z + weight * (-z).replacing(with: 0, where: z .> 0)
    let loss = linear + weight * logisticTerms(z, Scalar.self).log1pE
    for lane in 0..<lanes {
      if perElement { losses[start + lane] = loss[lane] } else { total += Double(loss[lane]) }
    }
    start += lanes
  }
  if !perElement { losses[0] = Scalar(total / divisor) }
}

/// Writes the logits' gradient `((1 - t) - w·σ(-z))·g` (`σ(z) - t` when `w` is 1), where `g`
/// is the element's output gradient when `perElement`, else the single one over `divisor`.
///
/// - Complexity: O(`count`), one pass.
@inlinable
func binaryCrossEntropyGradients<Scalar: TensorScalar>(
  logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int,
  positiveWeight: Scalar, outputGradients: UnsafePointer<Scalar>, perElement: Bool,
  divisor: Scalar, into gradients: UnsafeMutablePointer<Scalar>
) {
  let width = Scalar.Vector.scalarCount
  let shared = Scalar.Vector(repeating: perElement ? 0 : outputGradients[0] / divisor)
  var start = 0
  while start < count {
    let lanes = Swift.min(width, count - start)
    let (z, t) = (loadLanes(logits, start, lanes), loadLanes(targets, start, lanes))
    let terms = logisticTerms(z, Scalar.self)
    // σ(-z) from e^{-|z|}: `e/(1 + e)` for positive z, `1/(1 + e)` otherwise; never overflows.
    let sigmoidOfNegative = (1 / terms.onePlusE).replacing(
      with: terms.e / terms.onePlusE, where: z .> 0)
    let weight = 1 + (positiveWeight - 1) * t
    let scale = perElement ? loadLanes(outputGradients, start, lanes) : shared
    let gradient = ((1 - t) - weight * sigmoidOfNegative) * scale
    for lane in 0..<lanes { gradients[start + lane] = gradient[lane] }
    start += lanes
  }
}

/// Writes the log-probabilities' gradient `-onehot(label)·g` row by row (`classes` scalars per
/// sample), where `g` is the sample's output gradient when `perSample`, else the single one over
/// `divisor`.
///
/// - Complexity: O(`labels.count × classes`), one pass.
@inlinable
func negativeLogLikelihoodGradients<Scalar: TensorScalar>(
  classes: Int, labels: [Int], outputGradients: UnsafePointer<Scalar>, perSample: Bool,
  divisor: Scalar, into gradients: UnsafeMutablePointer<Scalar>
) {
  gradients.initialize(repeating: 0, count: labels.count * classes)
  for (sample, label) in labels.enumerated() {
    gradients[sample * classes + label] =
      -(perSample ? outputGradients[sample] : outputGradients[0] / divisor)
  }
}

/// Writes each element's KL term `p·log p - p·x` (0 where `p` is 0, as PyTorch's `xlogy`) into
/// `losses` when `perElement`, else their sum divided by `divisor` into `losses[0]` (summed in
/// `Double`).
///
/// - Complexity: O(`count`), one pass.
@inlinable
func klDivergenceLosses<Scalar: TensorScalar>(
  logInputs: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int,
  perElement: Bool, divisor: Double, into losses: UnsafeMutablePointer<Scalar>
) {
  let width = Scalar.Vector.scalarCount
  var total = 0.0
  var start = 0
  while start < count {
    let lanes = Swift.min(width, count - start)
    let (x, p) = (loadLanes(logInputs, start, lanes), loadLanes(targets, start, lanes))
    // `0·log 0` is NaN in floating point; the limit, and PyTorch's `xlogy`, is 0.
    let entropyTerm = (p * Scalar._vectorLog(p)).replacing(with: 0, where: p .== 0)
    let loss = entropyTerm - p * x
    for lane in 0..<lanes {
      if perElement { losses[start + lane] = loss[lane] } else { total += Double(loss[lane]) }
    }
    start += lanes
  }
  if !perElement { losses[0] = Scalar(total / divisor) }
}

/// Writes the log-inputs' gradient `-p·g`, where `g` is the element's output gradient when
/// `perElement`, else the single one over `divisor`.
///
/// - Complexity: O(`count`), one pass.
@inlinable
func klDivergenceGradients<Scalar: TensorScalar>(
  targets: UnsafePointer<Scalar>, count: Int, outputGradients: UnsafePointer<Scalar>,
  perElement: Bool, divisor: Scalar, into gradients: UnsafeMutablePointer<Scalar>
) {
  let shared = perElement ? 0 : -outputGradients[0] / divisor
  for i in 0..<count {
    gradients[i] = targets[i] * (perElement ? -outputGradients[i] : shared)
  }
}
