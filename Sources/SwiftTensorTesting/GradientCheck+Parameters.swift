import SwiftTensor

/// Compares the gradients `backward` computes for a model's parameters with central finite
/// differences of its loss.
///
/// This is the whole-model check (pytensor's `test_mlp`): `loss` computes the output of a
/// model from `parameters` (and from data held as constants, such as
/// `Variable(x, trainable: false)`); each parameter is put on a fresh tape for the analytic
/// pass, then perturbed in place (`value` changed and restored) for the numeric one. A loss
/// that is not a single scalar is projected on a fixed random tensor, as in
/// `checkGradients(of:at:tolerance:seed:)`. The parameters' values and gradients are as
/// before when the check returns.
///
/// ```swift
/// let w = Variable(Tensor<Double>.randomNormal(shape: [3, 2], seed: 1))
/// let b = Variable(Tensor<Double>.zeros(shape: [2]))
/// let x = Variable(Tensor<Double>.random(shape: [4, 3], seed: 2), trainable: false)
/// let report = checkParameterGradients([w, b]) {
///   x.affine(w, b).tanh().softmaxCrossEntropy(labels: [0, 1, 1, 0])
/// }
/// ```
///
/// - Parameters:
///   - parameters: the variables to differentiate with respect to; the report's `input` is a
///     position in this list.
///   - tolerance: defaults to `GradientCheckTolerance.standard(for:)`.
///   - seed: seed of the projection tensor.
///   - loss: computes the loss from the current values of `parameters`; it must not create
///     its own tape.
/// - Complexity: two evaluations of `loss` per parameter scalar, plus two backward passes.
public func checkParameterGradients<Scalar: TensorScalar>(
  _ parameters: [Variable<Scalar>], tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0,
  loss: () -> Variable<Scalar>
) -> GradientCheckReport<Scalar> {
  let tolerance = tolerance ?? .standard(for: Scalar.self)
  let savedGradients = parameters.map(\.gradient)
  defer {
    for (parameter, gradient) in zip(parameters, savedGradients) { parameter.gradient = gradient }
  }

  let (analytic, accumulated, projection) = analyticParameterGradients(
    parameters, seed: seed, loss: loss)
  func objective() -> Double {
    let value = loss().value
    return zip(value.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }

  var report = GradientCheckReport<Scalar>(worst: nil, missingGradients: [])
  for (position, parameter) in parameters.enumerated() {
    let original = parameter.value
    defer { parameter.value = original }
    guard let gradient = analytic[position] else {
      if original.scalarCount > 0 { report.missingGradients.append(position) }
      continue
    }
    if !accumulatedTwice(gradient, accumulated[position], tolerance: tolerance) {
      report.inconsistentAccumulation.append(position)
    }
    for flat in 0..<original.scalarCount {
      let x = Double(original.scalars[flat])
      let step = tolerance.epsilon * Swift.max(1, Swift.abs(x))
      let (plus, minus) = (Scalar(x + step), Scalar(x - step))
      parameter.value.withUnsafeMutableBufferPointer { $0[flat] = plus }
      let high = objective()
      parameter.value.withUnsafeMutableBufferPointer { $0[flat] = minus }
      let low = objective()
      parameter.value = original
      let numeric = (high - low) / (Double(plus) - Double(minus))
      let value = Double(gradient.scalars[flat])
      let excess =
        Swift.abs(value - numeric) / (tolerance.absolute + tolerance.relative * Swift.abs(numeric))
      if excess.isNaN || excess > (report.worst?.excess ?? -1) {
        report.worst = .init(
          input: position, index: rowMajorIndex(flat, shape: original.shape), analytic: value,
          numeric: numeric, excess: excess.isNaN ? .infinity : excess)
      }
    }
  }
  return report
}

/// Checks a model's parameter gradients against central differences and throws if they are
/// wrong; see `checkParameterGradients(_:tolerance:seed:loss:)`.
///
/// - Throws: `GradientCheckFailure` naming the worst parameter element.
public func expectParameterGradients<Scalar: TensorScalar>(
  _ parameters: [Variable<Scalar>], tolerance: GradientCheckTolerance? = nil, seed: UInt64 = 0,
  loss: () -> Variable<Scalar>
) throws {
  let report = checkParameterGradients(parameters, tolerance: tolerance, seed: seed, loss: loss)
  if !report.passed {
    throw GradientCheckFailure(report: report, shapes: parameters.map(\.shape))
  }
}

/// The gradients of the projected loss for each parameter (`nil` where none flowed), the same
/// after a second step accumulated onto them (as a `Trainer` step does into kept buffers), and
/// the projection. The tapes live only in this function, so afterwards the parameters are on
/// no live tape and the numeric pass records nothing.
private func analyticParameterGradients<Scalar: TensorScalar>(
  _ parameters: [Variable<Scalar>], seed: UInt64, loss: () -> Variable<Scalar>
) -> (gradients: [Tensor<Scalar>?], accumulated: [Tensor<Scalar>?], projection: Tensor<Scalar>) {
  let tape = Tape<Scalar>()
  for parameter in parameters {
    tape.watch(parameter)
    parameter.zeroGradient()
  }
  let output = loss()
  let projection = Tensor<Scalar>.random(shape: output.shape, lower: -1, upper: 1, seed: seed)
  output.backward(seed: projection)
  let gradients = parameters.map(\.gradient)
  let again = Tape<Scalar>()
  for parameter in parameters { again.watch(parameter) }
  loss().backward(seed: projection)
  return (gradients, parameters.map(\.gradient), projection)
}
