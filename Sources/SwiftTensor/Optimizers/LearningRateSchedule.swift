import Foundation

/// A learning rate as a function of the step (0-based), set on the optimiser before each step.
public protocol LearningRateSchedule: Sendable {
  /// The learning rate for `step`.
  func learningRate(at step: Int) -> Double
}

/// The same rate at every step.
public struct ConstantRate: LearningRateSchedule {
  /// The rate.
  public let rate: Double
  /// Creates the schedule.
  public init(_ rate: Double) { self.rate = rate }
  /// `rate`
  public func learningRate(at step: Int) -> Double { rate }
}

/// `initial · factor^⌊step / stepSize⌋`: the rate drops by `factor` every `stepSize` steps.
public struct StepDecay: LearningRateSchedule {
  /// The rate at step 0.
  public let initial: Double
  /// The multiplier applied every `stepSize` steps.
  public let factor: Double
  /// Steps between drops.
  public let stepSize: Int
  /// Creates the schedule.
  public init(initial: Double, factor: Double, every stepSize: Int) {
    tensorPrecondition(stepSize > 0, "StepDecay: step size \(stepSize) must be positive")
    self.initial = initial
    self.factor = factor
    self.stepSize = stepSize
  }
  /// The decayed rate.
  public func learningRate(at step: Int) -> Double {
    initial * Foundation.pow(factor, Double(step / stepSize))
  }
}

/// `initial · factor^step`.
public struct ExponentialDecay: LearningRateSchedule {
  /// The rate at step 0.
  public let initial: Double
  /// The per-step multiplier.
  public let factor: Double
  /// Creates the schedule.
  public init(initial: Double, factor: Double) {
    self.initial = initial
    self.factor = factor
  }
  /// The decayed rate.
  public func learningRate(at step: Int) -> Double {
    initial * Foundation.pow(factor, Double(step))
  }
}

/// Cosine annealing from `initial` to `minimum` over `totalSteps`, then `minimum`.
public struct CosineDecay: LearningRateSchedule {
  /// The rate at step 0.
  public let initial: Double
  /// The rate at and after `totalSteps`.
  public let minimum: Double
  /// The length of the decay.
  public let totalSteps: Int
  /// Creates the schedule.
  public init(initial: Double, minimum: Double = 0, totalSteps: Int) {
    tensorPrecondition(totalSteps > 0, "CosineDecay: total steps \(totalSteps) must be positive")
    self.initial = initial
    self.minimum = minimum
    self.totalSteps = totalSteps
  }
  /// The annealed rate.
  public func learningRate(at step: Int) -> Double {
    let progress = Double(Swift.min(step, totalSteps)) / Double(totalSteps)
    return minimum + (initial - minimum) * (1 + Foundation.cos(Double.pi * progress)) / 2
  }
}

/// A linear warm-up from 0 over `warmUpSteps`, then another schedule (shifted to start at 0).
public struct WarmUp<Base: LearningRateSchedule>: LearningRateSchedule {
  /// The steps of the linear ramp.
  public let warmUpSteps: Int
  /// The schedule after the ramp.
  public let base: Base
  /// Creates the schedule.
  public init(steps warmUpSteps: Int, then base: Base) {
    self.warmUpSteps = warmUpSteps
    self.base = base
  }
  /// The ramped or base rate.
  public func learningRate(at step: Int) -> Double {
    step < warmUpSteps
      ? base.learningRate(at: 0) * Double(step + 1) / Double(warmUpSteps)
      : base.learningRate(at: step - warmUpSteps)
  }
}
