// How layers list what they hold: parameters, which optimisers train, and buffers (running
// statistics), which a forward pass updates and checkpoints save but nothing differentiates.

/// A parameter or buffer of a model: its path name, the variable, and how it is initialised.
public struct NamedParameter<Scalar: TensorScalar> {
  /// The unique, stable path, such as `affine_0/W`.
  public let path: String
  /// The parameter itself.
  public let variable: Variable<Scalar>
  /// How `initializeParameters(seed:)` draws its value.
  public let initializer: ParameterInitializer
  /// Whether the parameter is a lookup table (an embedding's rows), which
  /// `WeightDecaySelection.matricesOnly` leaves undecayed although it is 2-D.
  public let isLookupTable: Bool

  /// Names a parameter or buffer.
  init(
    path: String, variable: Variable<Scalar>, initializer: ParameterInitializer,
    isLookupTable: Bool = false
  ) {
    self.path = path
    self.variable = variable
    self.initializer = initializer
    self.isLookupTable = isLookupTable
  }
}

/// Collects a model's parameters and buffers under unique path names, in registration order.
///
/// Each layer opens a scope with a kind (`"affine"`); the registrar numbers scopes of the same
/// kind in order (`affine_0`, `affine_1`, ...), so names are stable across runs of the same code.
/// Parameters and buffers share the paths' namespace but are listed apart, so that optimisers,
/// gradient norms and clipping, which read `parameters`, never see a buffer.
public final class ParameterRegistrar<Scalar: TensorScalar> {
  /// The parameters registered so far, in order.
  public private(set) var parameters: [NamedParameter<Scalar>] = []
  /// The buffers registered so far, in order: state that is saved and restored with the
  /// parameters but not trained (a batch norm's running statistics).
  public private(set) var buffers: [NamedParameter<Scalar>] = []
  private var counts: [String: Int] = [:]
  private var prefix: [String] = []
  private var paths: Set<String> = []
  private let renamesVariables: Bool

  /// Creates an empty registrar.
  public init() { renamesVariables = true }

  /// Creates an empty registrar that renames registered variables to their paths only when
  /// `renamesVariables`.
  init(renamesVariables: Bool) { self.renamesVariables = renamesVariables }

  /// Opens a numbered scope for one layer of the given kind and registers its parameters.
  public func layer(_ kind: String, _ body: (ParameterRegistrar) -> Void) {
    let scopeKey = (prefix + [kind]).joined(separator: "/")
    let index = counts[scopeKey, default: 0]
    counts[scopeKey] = index + 1
    prefix.append("\(kind)_\(index)")
    body(self)
    prefix.removeLast()
  }

  /// Registers one parameter under the current scope; its variable is renamed to its path.
  ///
  /// `isLookupTable` marks a table whose rows are looked up (an embedding or a learned
  /// positional table): optimisers with `WeightDecaySelection.matricesOnly` do not decay it.
  ///
  /// - Precondition: the path is not already taken.
  public func add(
    _ name: String, _ variable: Variable<Scalar>, initializer: ParameterInitializer,
    isLookupTable: Bool = false
  ) {
    parameters.append(
      named(name, variable, initializer, kind: "parameter", isLookupTable: isLookupTable))
  }

  /// Registers one buffer under the current scope: a variable that is saved in checkpoints,
  /// loaded and reset by `initializeParameters(seed:)` like a parameter, but never trained;
  /// its variable is renamed to its path.
  ///
  /// ```swift
  /// registrar.layer("batchnorm") { scope in
  ///   scope.addBuffer("running_mean", runningMean, initializer: .constant(0))
  /// }
  /// ```
  ///
  /// - Precondition: the path is not already taken, by a parameter or a buffer.
  public func addBuffer(
    _ name: String, _ variable: Variable<Scalar>, initializer: ParameterInitializer
  ) {
    buffers.append(named(name, variable, initializer, kind: "buffer"))
  }

  /// The entry of `name` under the current scope, claiming its path.
  private func named(
    _ name: String, _ variable: Variable<Scalar>, _ initializer: ParameterInitializer,
    kind: String, isLookupTable: Bool = false
  ) -> NamedParameter<Scalar> {
    let path = (prefix + [name]).joined(separator: "/")
    tensorPrecondition(
      paths.insert(path).inserted,
      "ParameterRegistrar: the \(kind) path '\(path)' is registered twice")
    if renamesVariables { variable.name = path }
    return NamedParameter(
      path: path, variable: variable, initializer: initializer, isLookupTable: isLookupTable)
  }
}

/// Draws the initial values of the parameters that `register` lists, in order, from a generator
/// seeded with `seed`, and resets its buffers, without renaming them (a layer on its own is in
/// no model yet).
@usableFromInline
func drawInitialValues<Scalar: TensorScalar>(
  seed: UInt64, listedBy register: (ParameterRegistrar<Scalar>) -> Void
) {
  let registrar = ParameterRegistrar<Scalar>(renamesVariables: false)
  register(registrar)
  drawInitialValues(of: registrar.parameters, seed: seed)
  // Buffers draw from a generator of their own, so that adding a layer with buffers changes
  // no parameter's initial value.
  drawInitialValues(of: registrar.buffers, seed: seed)
}

/// Draws the initial values of `parameters`, in order, from a generator seeded with `seed`.
@usableFromInline
func drawInitialValues<Scalar: TensorScalar>(of parameters: [NamedParameter<Scalar>], seed: UInt64)
{
  var generator = SeededGenerator(seed: seed)
  for parameter in parameters {
    parameter.variable.value = parameter.initializer.makeValue(
      shape: parameter.variable.value.shape, using: &generator)
    parameter.variable.zeroGradient()
  }
}
