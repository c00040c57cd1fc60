/// Updates a model's parameters in place from their gradients.
///
/// Optimisers keep their state (momentum, moments) per parameter path, so the state can be
/// saved with a checkpoint and restored to resume training exactly. A step reads each
/// parameter's `gradient` and skips parameters that have none; it does not clear gradients
/// (call `zeroGradients(_:)`, as the `Trainer` does before each step).
///
/// After the first step, a step allocates nothing the size of a parameter: state buffers are
/// reused and updates are fused kernels that write in place.
public protocol Optimizer<Scalar>: AnyObject {
  /// The element type of the parameters.
  associatedtype Scalar: TensorScalar
  /// The step size; a schedule may change it between steps.
  var learningRate: Scalar { get set }
  /// Applies one update to every parameter that has a gradient.
  func step(_ parameters: [NamedParameter<Scalar>])
  /// The state, as tensors named `path/slot` (e.g. `affine_0/W/momentum`), plus a `step`
  /// counter where the rule needs one.
  func stateTensors() -> [(name: String, tensor: Tensor<Scalar>)]
  /// Restores state saved by `stateTensors()`.
  ///
  /// - Throws: `OptimizerStateError` when a tensor is missing, has the wrong shape, or holds a
  ///   value the rule cannot use (such as a non-finite moment or a negative step).
  func loadState(
    _ tensors: [String: Tensor<Scalar>], for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError)
  /// The optimiser's name in checkpoints (such as `Adam`), so that a checkpoint is resumed only
  /// by the kind of optimiser that wrote it. The default is the type's name without generic
  /// arguments.
  var checkpointKind: String { get }
  /// The integer counters of the state (such as Adam's `step`), saved exactly as `I64` in
  /// checkpoints; the default is none.
  func stateCounters() -> [(name: String, value: Int)]
  /// Restores state saved by `stateTensors()` and `stateCounters()`.
  ///
  /// The default refuses any counter and calls `loadState(_:for:)`.
  ///
  /// - Throws: `OptimizerStateError` as `loadState(_:for:)`, or for a counter the rule does not
  ///   know or cannot use.
  func loadState(
    _ tensors: [String: Tensor<Scalar>], counters: [String: Int],
    for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError)
}

extension Optimizer {
  /// The type's name without generic arguments (`Adam` for `Adam<Float>`).
  public var checkpointKind: String {
    String(String(describing: Self.self).prefix { $0 != "<" })
  }

  /// No counters.
  public func stateCounters() -> [(name: String, value: Int)] { [] }

  /// Refuses counters, then restores the tensors with `loadState(_:for:)`.
  public func loadState(
    _ tensors: [String: Tensor<Scalar>], counters: [String: Int],
    for parameters: [NamedParameter<Scalar>]
  ) throws(OptimizerStateError) {
    if let name = counters.keys.sorted().first {
      throw OptimizerStateError(description: "optimizer state: unexpected counter '\(name)'")
    }
    try loadState(tensors, for: parameters)
  }
}

/// Optimiser state that does not fit the model it is restored for.
public struct OptimizerStateError: Error, CustomStringConvertible {
  /// What is wrong, naming the tensor.
  public let description: String
}

/// Clears every parameter's gradient.
@inlinable
public func zeroGradients<Scalar>(_ parameters: [NamedParameter<Scalar>]) {
  for parameter in parameters { parameter.variable.zeroGradient() }
}

/// Sets every parameter's existing gradient to zeros in place, keeping its buffer for the next
/// backward pass to accumulate into (operations that support it, such as `AffineTransform`,
/// then write their weight gradients with no allocation); gradients not yet computed stay
/// `nil`. The `Trainer` uses this every step. O(total gradient size).
@inlinable
public func zeroGradientsKeepingBuffers<Scalar>(_ parameters: [NamedParameter<Scalar>]) {
  for parameter in parameters { parameter.variable.zeroGradientKeepingBuffer() }
}

/// Scales all gradients together so that their global L2 norm is at most `maximumNorm`
/// (PyTorch's `clip_grad_norm_`); returns the norm before clipping.
@discardableResult
public func clipGradients<Scalar>(
  _ parameters: [NamedParameter<Scalar>], maximumNorm: Scalar
)
  -> Scalar
{
  var total: Scalar = 0
  for parameter in parameters {
    if let gradient = parameter.variable.gradient { total += gradient.sumOfSquares().scalar }
  }
  let norm = total.squareRoot()
  if norm > maximumNorm {
    let scale = maximumNorm / (norm + Scalar.ulpOfOne)
    for parameter in parameters { scaleGradient(of: parameter.variable, by: scale) }
  }
  return norm
}

/// Clamps every gradient element to `[-limit, limit]`.
public func clipGradients<Scalar>(_ parameters: [NamedParameter<Scalar>], maximumValue: Scalar) {
  for parameter in parameters {
    guard let gradient = parameter.variable.gradient else { continue }
    parameter.variable.gradient = Tensor.minimum(
      Tensor.maximum(gradient, Tensor(-maximumValue)), Tensor(maximumValue))
  }
}

private func scaleGradient<Scalar>(of variable: Variable<Scalar>, by scale: Scalar) {
  guard var gradient = variable.gradient else { return }
  variable.gradient = nil  // drop the variable's reference, so the write below is in place
  OptimizerKernels.scale(&gradient, by: scale)
  variable.gradient = gradient
}
