import SwiftTensor

/// The outcome of comparing analytic gradients with central finite differences.
public struct GradientCheckReport<Scalar: TensorScalar>: CustomStringConvertible, Sendable {
  /// The element where analytic and numeric gradients disagree most, relative to tolerance.
  public struct Element: Sendable {
    /// Which input (position in the input list).
    public var input: Int
    /// Row-major index of the element within that input.
    public var index: [Int]
    /// The gradient `backward` computed.
    public var analytic: Double
    /// The central-difference estimate.
    public var numeric: Double
    /// `|analytic - numeric| / (atol + rtol·|numeric|)`: above 1 fails.
    public var excess: Double
  }

  /// The worst element, or `nil` if the inputs were empty.
  public var worst: Element?
  /// Inputs whose gradient `backward` never produced although the output depends on them.
  public var missingGradients: [Int]
  /// Inputs whose gradient a second backward pass, recorded onto the kept gradients as a
  /// training step accumulates onto its parameters' buffers, did not double.
  public var inconsistentAccumulation: [Int] = []

  /// Whether every element is within tolerance and every gradient was produced and accumulated.
  public var passed: Bool {
    missingGradients.isEmpty && inconsistentAccumulation.isEmpty && (worst?.excess ?? 0) <= 1
  }

  /// A one-line summary naming the worst element.
  public var description: String {
    if !missingGradients.isEmpty {
      return "no gradient was computed for inputs \(missingGradients)"
    }
    if !inconsistentAccumulation.isEmpty {
      return "a second backward pass did not add the same gradient to inputs "
        + "\(inconsistentAccumulation) (the path that accumulates into kept gradients differs)"
    }
    guard let worst else { return "gradient check: no elements" }
    return "gradient check \(passed ? "passed" : "FAILED"): worst at input \(worst.input) "
      + "index \(worst.index): analytic \(worst.analytic), numeric \(worst.numeric) "
      + "(\(worst.excess) x tolerance)"
  }
}

/// Tolerances for a gradient check in a given precision.
public struct GradientCheckTolerance: Sendable {
  /// Step of the central difference, relative to `max(1, |x|)`.
  public var epsilon: Double
  /// Absolute tolerance.
  public var absolute: Double
  /// Relative tolerance.
  public var relative: Double

  /// Creates tolerances.
  public init(epsilon: Double, absolute: Double, relative: Double) {
    self.epsilon = epsilon
    self.absolute = absolute
    self.relative = relative
  }

  /// torch.autograd.gradcheck's defaults for Double (eps 1e-6, atol 1e-5, rtol 1e-3), and
  /// for Float a larger step (rounding error of a difference grows as ulp/eps) and looser bounds.
  public static func standard<Scalar: TensorScalar>(for _: Scalar.Type) -> Self {
    Scalar.self == Double.self
      ? Self(epsilon: 1e-6, absolute: 1e-5, relative: 1e-3)
      : Self(epsilon: 1e-2, absolute: 2e-2, relative: 2e-2)
  }
}

/// Compares the gradients `backward` computes for `function` at `inputs` with central finite
/// differences.
///
/// The output is projected on a fixed random tensor `r` (the check differentiates
/// `Σ f(x)·r`), so every element of the vector-Jacobian product is exercised, not only its sum.
/// Differences are accumulated in `Double`.
///
/// The analytic gradient comes from the path training runs: `function` records on a tape and
/// `backward(seed:)` walks it, so the operations' own records (and the traits that choose them,
/// such as `UnaryOperation.backwardReadsInput`) are what is checked. The computation is then
/// recorded and backpropagated a second time onto the gradients already there, as a training
/// step accumulates into its parameters' kept buffers, and must add the same gradient again.
///
/// - Parameters:
///   - function: builds the output from variables (in the order of `inputs`).
///   - inputs: the point to check at.
///   - tolerance: defaults to `GradientCheckTolerance.standard(for:)`.
///   - seed: seed of the projection tensor.
/// - Complexity: two evaluations of `function` per input element, plus two backward passes.
public func checkGradients<Scalar: TensorScalar>(
  of function: ([Variable<Scalar>]) -> Variable<Scalar>, at inputs: [Tensor<Scalar>],
  tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0
) -> GradientCheckReport<Scalar> {
  let tolerance = tolerance ?? .standard(for: Scalar.self)
  let tape = Tape<Scalar>()
  let variables = inputs.enumerated().map { tape.variable($1, name: "input\($0)") }
  let output = function(variables)
  let projection = Tensor<Scalar>.random(shape: output.shape, lower: -1, upper: 1, seed: seed)
  output.backward(seed: projection)
  let firstPass = variables.map(\.gradient)
  let again = Tape<Scalar>()
  for variable in variables { again.watch(variable) }
  function(variables).backward(seed: projection)

  func objective(_ point: [Tensor<Scalar>]) -> Double {
    let value = function(point.map { Variable($0, trainable: false) }).value
    return zip(value.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }

  var report = GradientCheckReport<Scalar>(worst: nil, missingGradients: [])
  for (inputIndex, input) in inputs.enumerated() {
    let analytic = firstPass[inputIndex]
    if analytic == nil && input.scalarCount > 0 {
      report.missingGradients.append(inputIndex)
      continue
    }
    if let analytic,
      !accumulatedTwice(analytic, variables[inputIndex].gradient, tolerance: tolerance)
    {
      report.inconsistentAccumulation.append(inputIndex)
    }
    for flat in 0..<input.scalarCount {
      var point = inputs
      let x = Double(input.scalars[flat])
      let step = tolerance.epsilon * Swift.max(1, Swift.abs(x))
      // Use the step actually representable in Scalar, so the difference quotient is exact
      // about where it was evaluated.
      let plus = Scalar(x + step)
      let minus = Scalar(x - step)
      point[inputIndex].withUnsafeMutableBufferPointer { $0[flat] = plus }
      let high = objective(point)
      point[inputIndex].withUnsafeMutableBufferPointer { $0[flat] = minus }
      let low = objective(point)
      let numeric = (high - low) / (Double(plus) - Double(minus))
      let value = Double(analytic?.scalars[flat] ?? 0)
      let excess =
        Swift.abs(value - numeric) / (tolerance.absolute + tolerance.relative * Swift.abs(numeric))
      if excess.isNaN || excess > (report.worst?.excess ?? -1) {
        report.worst = .init(
          input: inputIndex, index: rowMajorIndex(flat, shape: input.shape), analytic: value,
          numeric: numeric, excess: excess.isNaN ? .infinity : excess)
      }
    }
  }
  return report
}

/// Checks an operation's `backward` against central finite differences; see
/// `checkGradients(of:at:tolerance:seed:)`. All outputs of the operation are checked.
public func checkGradients<Operation: DifferentiableOperation>(
  of operation: Operation, at inputs: [Tensor<Operation.Scalar>],
  tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0
) -> GradientCheckReport<Operation.Scalar> {
  checkGradients(
    of: { variables in
      let outputs = operation.apply(to: variables)
      // Several outputs are flattened and joined, so one projection covers all of them.
      return outputs.count == 1
        ? outputs[0] : Variable.concatenate(outputs.map { $0.reshaped(to: [-1]) })
    }, at: inputs, tolerance: tolerance, seed: seed)
}

/// Whether `twice` is `2·once` within `tolerance`.
func accumulatedTwice<Scalar: TensorScalar>(
  _ once: Tensor<Scalar>, _ twice: Tensor<Scalar>?, tolerance: GradientCheckTolerance
) -> Bool {
  guard let twice, twice.shape == once.shape else { return false }
  return zip(once.scalars, twice.scalars).allSatisfy { single, double in
    let expected = 2 * Double(single)
    let error = Swift.abs(Double(double) - expected)
    return error <= tolerance.absolute + tolerance.relative * Swift.abs(expected)
      || (expected.isNaN && Double(double).isNaN)
  }
}

func rowMajorIndex(_ flat: Int, shape: [Int]) -> [Int] {
  var index = Array(repeating: 0, count: shape.count)
  var rest = flat
  for axis in shape.indices.reversed() where shape[axis] > 0 {
    index[axis] = rest % shape[axis]
    rest /= shape[axis]
  }
  return index
}
