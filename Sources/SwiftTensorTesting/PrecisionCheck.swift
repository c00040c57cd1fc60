import SwiftTensor

/// The outcome of running a computation in `Float` and in `Double` on the same input.
public struct PrecisionCheckReport: CustomStringConvertible, Sendable {
  /// The element where the two results differ most, relative to tolerance.
  public struct Element: Sendable {
    /// Which output (position in the output list).
    public var output: Int
    /// Row-major index of the element within that output.
    public var index: [Int]
    /// The `Float` result.
    public var float: Double
    /// The `Double` result.
    public var double: Double
    /// `|float - double| / (atol + rtol·|double|)`: above 1 fails.
    public var excess: Double
  }

  /// The worst element, or `nil` if the outputs were empty.
  public var worst: Element?
  /// The output shapes that differ between the two precisions, as `(float, double)`.
  public var shapeMismatches: [(output: Int, float: [Int], double: [Int])]

  /// Whether shapes match and every element is within tolerance.
  public var passed: Bool { shapeMismatches.isEmpty && (worst?.excess ?? 0) <= 1 }

  /// A one-line summary naming the worst element.
  public var description: String {
    if let mismatch = shapeMismatches.first {
      return "precision check FAILED: output \(mismatch.output) has shape \(mismatch.float) in "
        + "Float but \(mismatch.double) in Double"
    }
    guard let worst else { return "precision check: no elements" }
    return "precision check \(passed ? "passed" : "FAILED"): worst at output \(worst.output) "
      + "index \(worst.index): Float \(worst.float), Double \(worst.double) "
      + "(\(worst.excess) x tolerance)"
  }
}

/// Tolerances for comparing a `Float` computation with its `Double` twin.
public struct PrecisionTolerance: Sendable {
  /// Absolute tolerance.
  public var absolute: Double
  /// Relative tolerance.
  public var relative: Double

  /// Creates tolerances.
  public init(absolute: Double, relative: Double) {
    self.absolute = absolute
    self.relative = relative
  }

  /// About 1000 ulp of `Float` (1e-4 absolute and relative): room for the rounding of a
  /// chain of operations, small enough to catch a step computed in the wrong precision.
  public static let standard = Self(absolute: 1e-4, relative: 1e-4)
}

/// Runs a computation in `Float` and in `Double` on the same inputs and compares the results.
///
/// The inputs are given in `Double` and rounded to `Float` for the `Float` run; the `Double`
/// run gets the rounded values too, so both see the same numbers and any difference comes
/// from the computation. Pass the same code twice, specialised for each type:
///
/// ```swift
/// func model<T: TensorScalar>(_ x: [Tensor<T>]) -> [Tensor<T>] { [x[0].softmax(axis: -1)] }
/// let report = checkFloatAgainstDouble(at: [input], float: model, double: model)
/// ```
///
/// - Parameters:
///   - inputs: the inputs.
///   - tolerance: defaults to `PrecisionTolerance.standard`.
///   - float: the computation in `Float`, giving any number of outputs.
///   - double: the same computation in `Double`.
public func checkFloatAgainstDouble(
  at inputs: [Tensor<Double>], tolerance: PrecisionTolerance = .standard,
  float: ([Tensor<Float>]) -> [Tensor<Float>], double: ([Tensor<Double>]) -> [Tensor<Double>]
) -> PrecisionCheckReport {
  let floatInputs = inputs.map {
    Tensor<Float>(shape: $0.shape, scalars: $0.scalars.map(Float.init))
  }
  let doubleInputs = floatInputs.map {
    Tensor<Double>(shape: $0.shape, scalars: $0.scalars.map(Double.init))
  }
  let floatOutputs = float(floatInputs)
  let doubleOutputs = double(doubleInputs)
  var report = PrecisionCheckReport(worst: nil, shapeMismatches: [])
  for (position, (low, high)) in zip(floatOutputs, doubleOutputs).enumerated() {
    guard low.shape == high.shape else {
      report.shapeMismatches.append((position, low.shape, high.shape))
      continue
    }
    for (flat, (f, d)) in zip(low.scalars, high.scalars).enumerated() {
      let f = Double(f)
      let bothSame = f == d || (f.isNaN && d.isNaN)
      let excess =
        bothSame ? 0 : Swift.abs(f - d) / (tolerance.absolute + tolerance.relative * Swift.abs(d))
      if excess.isNaN || excess > (report.worst?.excess ?? -1) {
        report.worst = .init(
          output: position, index: rowMajorIndex(flat, shape: low.shape), float: f, double: d,
          excess: excess.isNaN ? .infinity : excess)
      }
    }
  }
  if floatOutputs.count != doubleOutputs.count {
    report.shapeMismatches.append((Swift.min(floatOutputs.count, doubleOutputs.count), [], []))
  }
  return report
}

/// Runs an operation in `Float` and in `Double` on the same inputs and compares all outputs;
/// see `checkFloatAgainstDouble(at:tolerance:float:double:)`.
public func checkFloatAgainstDouble<Low: DifferentiableOperation, High: DifferentiableOperation>(
  _ float: Low, _ double: High, at inputs: [Tensor<Double>],
  tolerance: PrecisionTolerance = .standard
) -> PrecisionCheckReport where Low.Scalar == Float, High.Scalar == Double {
  checkFloatAgainstDouble(
    at: inputs, tolerance: tolerance,
    float: { float.forwardSaving(Low.Inputs(tensors: $0)).outputs.tensors },
    double: { double.forwardSaving(High.Inputs(tensors: $0)).outputs.tensors })
}

/// The error `expectFloatMatchesDouble` throws: the report of a failed precision check.
public struct PrecisionCheckFailure: Error, CustomStringConvertible {
  /// The check's report.
  public var report: PrecisionCheckReport
  /// The input shapes.
  public var shapes: [[Int]]
  /// The shapes and the report.
  public var description: String { "at shapes \(shapes): \(report)" }
}

/// Runs a computation in `Float` and in `Double` and throws if they disagree; for use inside
/// `forAll`. See `checkFloatAgainstDouble(at:tolerance:float:double:)`.
///
/// - Throws: `PrecisionCheckFailure` naming the worst element.
public func expectFloatMatchesDouble(
  at inputs: [Tensor<Double>], tolerance: PrecisionTolerance = .standard,
  float: ([Tensor<Float>]) -> [Tensor<Float>], double: ([Tensor<Double>]) -> [Tensor<Double>]
) throws {
  let report = checkFloatAgainstDouble(
    at: inputs, tolerance: tolerance, float: float, double: double)
  if !report.passed { throw PrecisionCheckFailure(report: report, shapes: inputs.map(\.shape)) }
}

/// Runs an operation in `Float` and in `Double` and throws if they disagree; for use inside
/// `forAll`.
///
/// ```swift
/// try forAll(Gen.tensor(Double.self, shape: Gen.shape())) { x in
///   try expectFloatMatchesDouble(Sigmoid<Float>(), Sigmoid<Double>(), at: [x])
/// }
/// ```
///
/// - Throws: `PrecisionCheckFailure` naming the worst element.
public func expectFloatMatchesDouble<Low: DifferentiableOperation, High: DifferentiableOperation>(
  _ float: Low, _ double: High, at inputs: [Tensor<Double>],
  tolerance: PrecisionTolerance = .standard
) throws where Low.Scalar == Float, High.Scalar == Double {
  let report = checkFloatAgainstDouble(float, double, at: inputs, tolerance: tolerance)
  if !report.passed { throw PrecisionCheckFailure(report: report, shapes: inputs.map(\.shape)) }
}
