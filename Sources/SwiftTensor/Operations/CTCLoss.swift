import Foundation

/// Connectionist temporal classification loss (Graves et al. 2006): the negative log-likelihood
/// of a label sequence summed over every alignment of it to the input frames.
///
/// Input: unnormalised logits of shape `[batch, time, classes]` (batch first; PyTorch's
/// `ctc_loss` takes log-probabilities `[time, batch, classes]`, which is this layout transposed
/// and after `logSoftmax`). Sample `b` uses its first `inputLengths[b]` frames and must emit
/// `labels[b]` (classes other than `blank`); an empty label sequence is allowed (all blanks).
///
/// Reductions, as PyTorch's: `.mean` divides each sample's loss by its label length (at least 1)
/// and averages over the batch; `.sum` adds the losses; `.none` gives the `[batch]` losses.
///
/// Derivative with respect to logit `u_t(k)`: `softmax_t(k) - Σ_{s: l'(s) = k} α_t(s) β_t(s) /
/// (p · softmax_t(k))` over the blank-extended label sequence `l'`, computed in log space so that
/// long sequences neither underflow nor overflow; frames beyond a sample's input length get 0.
/// The recursions run in `Double` whatever the scalar type.
///
/// Reference: A. Graves, S. Fernández, F. Gomez, J. Schmidhuber, "Connectionist Temporal
/// Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks", ICML 2006.
public struct CTCLoss<Scalar: TensorScalar>: DifferentiableOperation {
  /// The label sequence of each sample.
  public let labels: [[Int]]
  /// The number of valid frames of each sample.
  public let inputLengths: [Int]
  /// The class index of the blank.
  public let blank: Int
  /// How per-sample losses are combined.
  public let reduction: LossReduction

  /// Creates the loss.
  public init(
    labels: [[Int]], inputLengths: [Int], blank: Int = 0, reduction: LossReduction = .mean
  ) {
    self.labels = labels
    self.inputLengths = inputLengths
    self.blank = blank
    self.reduction = reduction
  }

  /// What the forward pass keeps: per-sample log-probabilities, log-likelihoods and alphas.
  public struct Saved {
    let logProbabilities: [Double]
    let logLikelihoods: [Double]
    let alphas: [[Double]]
  }

  /// The loss.
  public func forwardSaving(_ logits: Tensor<Scalar>) -> (outputs: Tensor<Scalar>, saved: Saved) {
    let (batch, time, classes) = validate(logits)
    let logProbabilities = logits.logSoftmax(axis: 2).scalars.map(Double.init)
    var logLikelihoods: [Double] = []
    var alphas: [[Double]] = []
    for b in 0..<batch {
      let extended = extendedLabels(b)
      let alpha = CTCRecursions.alpha(
        logProbabilities, offset: b * time * classes, classes: classes,
        frames: inputLengths[b], extended: extended, blank: blank)
      logLikelihoods.append(
        CTCRecursions.logLikelihood(alpha, frames: inputLengths[b], states: extended.count))
      alphas.append(alpha)
    }
    let losses = logLikelihoods.map { -$0 }
    let output: Tensor<Scalar>
    switch reduction {
    case .none: output = Tensor(shape: [batch], scalars: losses.map { Scalar($0) })
    case .sum: output = Tensor(Scalar(losses.reduce(0, +)))
    case .mean:
      let normalised = zip(losses, labels).map { $0 / Double(Swift.max($1.count, 1)) }
      output = Tensor(Scalar(normalised.reduce(0, +) / Double(Swift.max(batch, 1))))
    }
    return (
      output,
      Saved(
        logProbabilities: logProbabilities, logLikelihoods: logLikelihoods,
        alphas: alphas)
    )
  }

  /// The gradient with respect to the logits.
  public func backward(
    inputs logits: Tensor<Scalar>, outputs: Tensor<Scalar>, saved: Saved,
    gradients: Tensor<Scalar>
  ) -> Tensor<Scalar> {
    let (batch, time, classes) = (logits.shape[0], logits.shape[1], logits.shape[2])
    let seed = gradients.scalars.map(Double.init)
    var result = [Double](repeating: 0, count: batch * time * classes)
    for b in 0..<batch {
      let scale: Double
      switch reduction {
      case .none: scale = seed[b]
      case .sum: scale = seed[0]
      case .mean: scale = seed[0] / Double(Swift.max(labels[b].count, 1)) / Double(batch)
      }
      let offset = b * time * classes
      let extended = extendedLabels(b)
      guard saved.logLikelihoods[b].isFinite else { continue }
      let beta = CTCRecursions.beta(
        saved.logProbabilities, offset: offset, classes: classes, frames: inputLengths[b],
        extended: extended, blank: blank)
      CTCRecursions.accumulateGradient(
        into: &result, offset: offset, logProbabilities: saved.logProbabilities,
        classes: classes, frames: inputLengths[b], extended: extended, alpha: saved.alphas[b],
        beta: beta, logLikelihood: saved.logLikelihoods[b], scale: scale)
    }
    return Tensor(shape: logits.shape, scalars: result.map { Scalar($0) })
  }

  /// The labels of sample `b` with blanks around and between them: `[blank, l1, blank, ...]`.
  func extendedLabels(_ b: Int) -> [Int] {
    var extended = [blank]
    for label in labels[b] { extended += [label, blank] }
    return extended
  }

  /// Checks shapes, lengths and labels; returns `(batch, time, classes)`.
  private func validate(_ logits: Tensor<Scalar>) -> (Int, Int, Int) {
    tensorPrecondition(
      logits.rank == 3,
      "CTCLoss: logits of shape \(describe(shape: logits.shape)); expected [batch, time, classes]")
    let (batch, time, classes) = (logits.shape[0], logits.shape[1], logits.shape[2])
    tensorPrecondition(batch > 0, "CTCLoss: the batch is empty")
    tensorPrecondition(
      labels.count == batch && inputLengths.count == batch,
      "CTCLoss: \(labels.count) label sequences and \(inputLengths.count) input lengths for a "
        + "batch of \(batch)")
    tensorPrecondition(
      (0..<classes).contains(blank), "CTCLoss: blank \(blank) is not one of \(classes) classes")
    for b in 0..<batch {
      let length = inputLengths[b]
      tensorPrecondition(
        length > 0 && length <= time,
        "CTCLoss: input length \(length) of sample \(b) is outside 1...\(time) (the time axis)")
      for label in labels[b] {
        tensorPrecondition(
          (0..<classes).contains(label) && label != blank,
          "CTCLoss: label \(label) of sample \(b) is not a class in 0..<\(classes) other than the "
            + "blank \(blank)")
      }
      let repeats = zip(labels[b], labels[b].dropFirst()).filter { $0 == $1 }.count
      let needed = labels[b].count + repeats
      tensorPrecondition(
        needed <= length,
        "CTCLoss: sample \(b) has \(labels[b].count) labels (\(repeats) repeated, which need a "
          + "blank between them), so it needs at least \(needed) frames, but its input length "
          + "is \(length)")
    }
    return (batch, time, classes)
  }
}

/// The log-space forward-backward recursions of CTC, on one sample.
enum CTCRecursions {
  /// `log(e^a + e^b)` without overflow; `-inf` is the identity.
  @inline(__always)
  static func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return Swift.max(a, b) + Foundation.log1p(Foundation.exp(-Swift.abs(a - b)))
  }

  /// Whether the path may skip from state `s - 2` to `s` (a label differing from the one before).
  @inline(__always)
  static func canSkip(_ extended: [Int], _ s: Int, blank: Int) -> Bool {
    s >= 2 && extended[s] != blank && extended[s] != extended[s - 2]
  }

  /// `α_t(s)`, row-major `[frames, states]`: the log-probability of the prefixes ending in
  /// state `s` at frame `t`, including frame `t`'s emission.
  static func alpha(
    _ logP: [Double], offset: Int, classes: Int, frames: Int, extended: [Int], blank: Int
  ) -> [Double] {
    let states = extended.count
    var alpha = [Double](repeating: -.infinity, count: frames * states)
    alpha[0] = logP[offset + extended[0]]
    if states > 1 { alpha[1] = logP[offset + extended[1]] }
    for t in 1..<Swift.max(frames, 1) {
      let row = offset + t * classes
      for s in 0..<states {
        var sum = alpha[(t - 1) * states + s]
        if s >= 1 { sum = logAdd(sum, alpha[(t - 1) * states + s - 1]) }
        if canSkip(extended, s, blank: blank) { sum = logAdd(sum, alpha[(t - 1) * states + s - 2]) }
        alpha[t * states + s] = sum + logP[row + extended[s]]
      }
    }
    return alpha
  }

  /// `β_t(s)`, row-major `[frames, states]`: the log-probability of the suffixes starting in
  /// state `s` at frame `t`, including frame `t`'s emission.
  static func beta(
    _ logP: [Double], offset: Int, classes: Int, frames: Int, extended: [Int], blank: Int
  ) -> [Double] {
    let states = extended.count
    var beta = [Double](repeating: -.infinity, count: frames * states)
    let last = offset + (frames - 1) * classes
    beta[(frames - 1) * states + states - 1] = logP[last + extended[states - 1]]
    if states > 1 {
      beta[(frames - 1) * states + states - 2] = logP[last + extended[states - 2]]
    }
    var t = frames - 2
    while t >= 0 {
      let row = offset + t * classes
      for s in 0..<states {
        var sum = beta[(t + 1) * states + s]
        if s + 1 < states { sum = logAdd(sum, beta[(t + 1) * states + s + 1]) }
        if s + 2 < states && canSkip(extended, s + 2, blank: blank) {
          sum = logAdd(sum, beta[(t + 1) * states + s + 2])
        }
        beta[t * states + s] = sum + logP[row + extended[s]]
      }
      t -= 1
    }
    return beta
  }

  /// The log-likelihood: paths ending in the last label or the final blank.
  static func logLikelihood(_ alpha: [Double], frames: Int, states: Int) -> Double {
    let last = (frames - 1) * states
    let end = alpha[last + states - 1]
    return states > 1 ? logAdd(end, alpha[last + states - 2]) : end
  }

  /// Adds `scale · (softmax - posterior)` for one sample's valid frames into `gradient`.
  static func accumulateGradient(
    into gradient: inout [Double], offset: Int, logProbabilities logP: [Double], classes: Int,
    frames: Int, extended: [Int], alpha: [Double], beta: [Double], logLikelihood: Double,
    scale: Double
  ) {
    let states = extended.count
    var occupancy = [Double](repeating: -.infinity, count: classes)
    for t in 0..<frames {
      let row = offset + t * classes
      for k in 0..<classes { occupancy[k] = -.infinity }
      for s in 0..<states {
        let k = extended[s]
        occupancy[k] = logAdd(occupancy[k], alpha[t * states + s] + beta[t * states + s])
      }
      for k in 0..<classes {
        // α·β counts frame t's emission twice: divide it out once.
        let posterior = Foundation.exp(occupancy[k] - logP[row + k] - logLikelihood)
        gradient[row + k] += scale * (Foundation.exp(logP[row + k]) - posterior)
      }
    }
  }
}

extension Variable {
  /// CTC loss of these logits (`[batch, time, classes]`) against label sequences; see
  /// `CTCLoss`.
  public func ctcLoss(
    labels: [[Int]], inputLengths: [Int], blank: Int = 0, reduction: LossReduction = .mean
  ) -> Variable {
    CTCLoss(labels: labels, inputLengths: inputLengths, blank: blank, reduction: reduction)
      .apply(to: [self])[0]
  }
}

/// CTC decoding.
public enum CTC {
  /// Best-path decoding: the most likely class at each valid frame, with repeats collapsed and
  /// blanks removed.
  ///
  /// - Parameters:
  ///   - logits: `[batch, time, classes]` (unnormalised or log-probabilities: argmax is the same).
  ///   - inputLengths: valid frames per sample; all of `time` when `nil`.
  ///   - blank: the class index of the blank.
  public static func greedyDecode<Scalar: TensorScalar>(
    logits: Tensor<Scalar>, inputLengths: [Int]? = nil, blank: Int = 0
  ) -> [[Int]] {
    tensorPrecondition(
      logits.rank == 3,
      "CTC.greedyDecode: logits of shape \(describe(shape: logits.shape)); expected "
        + "[batch, time, classes]")
    let (batch, time) = (logits.shape[0], logits.shape[1])
    let best = logits.argmax(axis: 2)
    return (0..<batch).map { b in
      let frames = inputLengths?[b] ?? time
      var decoded: [Int] = []
      var previous = -1
      for t in 0..<Swift.min(frames, time) {
        let k = best[b * time + t]
        if k != previous && k != blank { decoded.append(k) }
        previous = k
      }
      return decoded
    }
  }
}
