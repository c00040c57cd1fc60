import SwiftTensor

/// A gradient check that failed, thrown by `expectGradient(of:at:tolerance:seed:)` and
/// `expectParameterGradients(_:tolerance:seed:loss:)`.
///
/// Its description names the shapes checked and the worst element: which input, its index,
/// the analytic and numeric gradients, and the error as a multiple of the tolerance.
public struct GradientCheckFailure<Scalar: TensorScalar>: Error, CustomStringConvertible {
  /// The check's report.
  public var report: GradientCheckReport<Scalar>
  /// The shapes of the inputs (or parameters) checked.
  public var shapes: [[Int]]

  /// The shapes and the report.
  public var description: String {
    "\(Scalar.self) gradient check at shapes \(shapes): \(report)"
  }
}

/// Checks an operation's `backward` against central differences and throws if it is wrong.
///
/// This is `checkGradients(of:at:tolerance:seed:)` as a throwing assertion, for use inside
/// `forAll`, where a throw fails the case and starts shrinking:
///
/// ```swift
/// try forAll(Gen.tensor(Double.self, shape: Gen.shape())) { x in
///   try expectGradient(of: Cube(), at: [x])
/// }
/// ```
///
/// Generate inputs away from points where the operation is not differentiable (relu at 0,
/// ties of a maximum) rather than loosening `tolerance`.
///
/// - Parameters:
///   - operation: the operation; every output is checked.
///   - inputs: one tensor per input of the operation.
///   - tolerance: defaults to `GradientCheckTolerance.standard(for:)`.
///   - seed: seed of the random projection of the outputs.
/// - Throws: `GradientCheckFailure` naming the worst element.
public func expectGradient<Operation: DifferentiableOperation>(
  of operation: Operation, at inputs: [Tensor<Operation.Scalar>],
  tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0
) throws {
  let report = checkGradients(of: operation, at: inputs, tolerance: tolerance, seed: seed)
  if !report.passed { throw GradientCheckFailure(report: report, shapes: inputs.map(\.shape)) }
}

/// Checks the gradient of a function of variables against central differences and throws if
/// it is wrong; see `expectGradient(of:at:tolerance:seed:)` for operations.
///
/// ```swift
/// try forAll(Gen.tensor(Float.self, shape: [2, 3])) { x in
///   try expectGradient(at: [x]) { v in v[0].tanh().sum(axis: 1) }
/// }
/// ```
///
/// - Parameters:
///   - inputs: the point to check at; `function` receives one variable per input, in order.
///   - tolerance: defaults to `GradientCheckTolerance.standard(for:)`.
///   - seed: seed of the random projection of the output.
///   - function: builds the output from the variables.
/// - Throws: `GradientCheckFailure` naming the worst element.
public func expectGradient<Scalar: TensorScalar>(
  at inputs: [Tensor<Scalar>], tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0,
  of function: ([Variable<Scalar>]) -> Variable<Scalar>
) throws {
  let report = checkGradients(of: function, at: inputs, tolerance: tolerance, seed: seed)
  if !report.passed { throw GradientCheckFailure(report: report, shapes: inputs.map(\.shape)) }
}
