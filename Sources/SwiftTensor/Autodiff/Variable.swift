/// A node of the computation: a tensor value, its gradient, a name, and whether an optimiser
/// trains it.
///
/// Variables are references: a parameter keeps its identity across training steps while its
/// value changes in place. A variable created on a tape (`tape.variable(_:)`), or computed by an
/// operation from one, records every operation applied to it; `backward()` then fills the
/// `gradient` of every variable it depends on that needs one (trainable variables and the
/// variables of the tape). Variables not on a tape record nothing and cost nothing.
///
/// ```swift
/// let v = Variable(Tensor<Float>.random(shape: [5], seed: 1), name: "hello")
/// print(v)
/// ```
public final class Variable<Scalar: TensorScalar> {
  // Stored properties read at every operation skip Swift's run-time exclusivity checks
  // (`@exclusivity(unchecked)`): a variable, like its tape, is used by one thread at a time.
  // The tape bookkeeping (`tapeRecord`, `tapeGeneration`, `tapeEpoch`, `untrackedTrainable`)
  // is explained with its use in `Variable+Tape.swift`.

  /// The current value.
  ///
  /// The output of an operation recorded on a tape cannot be given a new value until that
  /// tape's `backward()` or `reset()` has run (or the tape is gone): the backward pass reads
  /// the value it computed, as PyTorch's autograd refuses in-place changes to saved tensors.
  /// Inputs and parameters can change at any time; the tape captured their values.
  @inlinable public var value: Tensor<Scalar> {
    get { storedValue }
    set {
      storedValue = newValue
      if producer != nil, tapeRecord != nil { checkValueMayChange() }
    }
    _modify {
      yield &storedValue
      if producer != nil, tapeRecord != nil { checkValueMayChange() }
    }
  }
  /// The storage of `value`.
  @usableFromInline
  @exclusivity(unchecked) var storedValue: Tensor<Scalar>
  /// The gradient of the last `backward()` with respect to this variable, accumulated over
  /// backward passes until `zeroGradient()`; `nil` before any.
  @exclusivity(unchecked) public var gradient: Tensor<Scalar>?
  /// A gradient buffer set aside by `setGradientAside()` while `gradient` is `nil`: the next
  /// contribution is written over it rather than into a new tensor.
  @usableFromInline
  @exclusivity(unchecked) var spareGradient: Tensor<Scalar>?
  /// A name for printing and for parameter paths; an operation's output is named after the
  /// operation unless given one.
  public var name: String {
    get { explicitName ?? producer.map(operationName) ?? "" }
    set { explicitName = newValue }
  }
  @usableFromInline
  @exclusivity(unchecked) var explicitName: String?
  /// The type of the operation that computed this variable; its name is derived only when
  /// asked for, since reflecting a type name costs microseconds per operation.
  @usableFromInline let producer: Any.Type?
  /// The record of the tape this variable records on, if any, unretained: records are never
  /// freed (see `TapeRecordPool`), and `tapeGeneration` tells whether it still holds the
  /// recording this variable belongs to.
  @usableFromInline
  @exclusivity(unchecked) var tapeRecord: Unmanaged<TapeRecord>?
  /// The record's `generation` when this variable was put on it.
  @usableFromInline
  @exclusivity(unchecked) var tapeGeneration = 0
  /// Whether a gradient flows to this variable: trainable, on a tape, or computed from one.
  @usableFromInline
  @exclusivity(unchecked) var needsGradient: Bool
  /// Whether this was computed, off any tape, from trainable variables.
  @usableFromInline
  @exclusivity(unchecked) var untrackedTrainable = false
  // The flags are declared together, after the references, to keep the object small.
  /// Whether optimisers update this variable, and whether `backward()` computes its gradient.
  @exclusivity(unchecked) public var isTrainable: Bool
  /// The record's `epoch` when this variable was computed on it: while it is current, an entry
  /// may still read this variable's value.
  @usableFromInline
  @exclusivity(unchecked) var tapeEpoch: UInt32 = 0

  /// Creates a leaf variable (a parameter when `trainable`), not on any tape.
  public init(_ value: Tensor<Scalar>, name: String = "", trainable: Bool = true) {
    self.storedValue = value
    self.explicitName = name
    self.producer = nil
    self.isTrainable = trainable
    self.needsGradient = trainable
  }

  @inlinable
  init(
    value: Tensor<Scalar>, name: String? = nil, producer: Any.Type? = nil,
    tape: Unmanaged<TapeRecord>?,
    needsGradient: Bool
  ) {
    self.storedValue = value
    self.explicitName = name
    self.producer = producer
    self.isTrainable = false
    self.needsGradient = needsGradient
    if let tape { setTape(tape) }
  }

  /// The shape of the value.
  public var shape: [Int] { value.shape }

  /// Forgets the accumulated gradient.
  @inlinable
  public func zeroGradient() {
    gradient = nil
    spareGradient = nil
  }

  /// Backpropagates from this variable, which must hold a single scalar (a loss): its gradient
  /// is seeded with 1.
  ///
  /// The tape is walked once in reverse, then reset; a second `backward()` on the same tape
  /// stops with a message (record the step again instead).
  public func backward() {
    tensorPrecondition(
      value.scalarCount == 1,
      "backward: the variable \(name.isEmpty ? "" : "'\(name)' ")has shape "
        + "\(describe(shape: value.shape)); backward() without a seed needs a single scalar "
        + "(use backward(seed:) for other shapes)")
    backward(seed: Tensor(repeating: 1, shape: value.shape))
  }

  /// Backpropagates from this variable with an explicit gradient `seed` of its shape.
  public func backward(seed: Tensor<Scalar>) {
    tensorPrecondition(
      seed.shape == value.shape,
      "backward: seed of shape \(describe(shape: seed.shape)) for a variable of shape "
        + "\(describe(shape: value.shape))")
    guard let tape else {
      tensorFailure(
        "backward: the variable \(name.isEmpty ? "" : "'\(name)' ")was not computed on a live "
          + "tape; create the inputs with tape.variable(_:) (or tape.watch(_:) the parameters) "
          + "and keep the tape alive until backward()")
    }
    tensorPrecondition(
      !tape.consumed,
      "backward: this tape's backward() already ran and its record was dropped; record the "
        + "computation again on a new tape (or reset())")
    accumulateGradient(seed, from: "backward")
    tape.backpropagate()
  }
}

extension Variable: CustomStringConvertible {
  /// pytensor's layout: the name, then the value and the gradient.
  public var description: String {
    let gradientText = gradient.map { "\($0)" } ?? "nil"
    return """
      Variable {name: \(name)}
      - value    : \(value)
      - gradient : \(gradientText)
      """
  }
}
