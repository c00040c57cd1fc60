/// Matrix product of 2-D tensors, or batched 3-D (see `Tensor.matmul`).
///
/// Derivative, for `C = A·B`: `dA = dC·Bᵀ`, `dB = Aᵀ·dC`; the transpose flags permute these,
/// and an operand shared across a batch receives the sum over the batch.
public struct MatMul<Scalar: TensorScalar>: BinaryOperation {
  /// Whether the first operand is used transposed.
  public var transposingLeft: Bool
  /// Whether the second operand is used transposed.
  public var transposingRight: Bool
  /// Creates the operation.
  @inlinable
  public init(transposingLeft: Bool = false, transposingRight: Bool = false) {
    self.transposingLeft = transposingLeft
    self.transposingRight = transposingRight
  }
  /// `op(a)·op(b)`
  @inlinable
  public func forward(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    a.matmul(b, transposingSelf: transposingLeft, transposingOther: transposingRight)
  }
  /// The gradients with respect to `a` and `b`, in their stored (untransposed) layouts.
  @inlinable
  public func backward(
    _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  ) -> (Tensor<Scalar>, Tensor<Scalar>) {
    let da: Tensor<Scalar>
    let db: Tensor<Scalar>
    switch (transposingLeft, transposingRight) {
    case (false, false):
      da = dy.matmul(b, transposingOther: true)
      db = a.matmul(dy, transposingSelf: true)
    case (true, false):
      da = b.matmul(dy, transposingOther: true)
      db = a.matmul(dy)
    case (false, true):
      da = dy.matmul(b)
      db = dy.matmul(a, transposingSelf: true)
    case (true, true):
      da = b.matmul(dy, transposingSelf: true, transposingOther: true)
      db = dy.matmul(a, transposingSelf: true, transposingOther: true)
    }
    return (Self.sumBatch(da, to: a.shape), Self.sumBatch(db, to: b.shape))
  }

  /// A 2-D or batch-1 operand used by every batch element gets the sum of their gradients.
  @usableFromInline
  static func sumBatch(_ gradient: Tensor<Scalar>, to shape: [Int]) -> Tensor<Scalar> {
    gradient.shape == shape ? gradient : gradient.sum(axis: 0).reshaped(to: shape)
  }
  /// `false`: the gradients read the inputs only.
  @inlinable
  public static var backwardReadsOutput: Bool { false }
}

/// An element-wise activation computed inside `AffineTransform`, on its output: one recorded
/// operation and one pass over the output instead of two of each (what `Affine(_:_:activation:)`
/// and `Variable.affine(_:_:activation:)` use).
public enum FusedActivation: Sendable, Equatable {
  /// None: `x·W + b`.
  case identity
  /// The logistic sigmoid of `x·W + b`.
  case sigmoid
  /// `tanh(x·W + b)`.
  case tanh
  /// `max(x·W + b, 0)`; the derivative at 0 is 0, as for `Relu`.
  case relu

  /// The kernel applying the activation in place, or `nil` for `identity`.
  @inlinable
  func forwardKernel<Scalar: TensorScalar>(_: Scalar.Type) -> UnaryKernel<Scalar>? {
    switch self {
    case .identity: nil
    case .sigmoid: .sigmoid
    case .tanh: .tanh
    case .relu: .relu
    }
  }

  /// The kernel turning the output `y` and its gradient into the gradient before the
  /// activation (each derivative reads only `y`: `relu(z) > 0` exactly when `z > 0`).
  @inlinable
  var backwardKernel: BinaryKernel? {
    switch self {
    case .identity: nil
    case .sigmoid: .sigmoidBackward
    case .tanh: .tanhBackward
    case .relu: .reluBackward
    }
  }
}

/// The affine map `y = x·W + b` of pytensor's `Affine`, with `W` of shape `[input, output]`
/// and an optional bias `b` of shape `[output]`.
///
/// Inputs: `[x, W]` or `[x, W, b]`, `x` of shape `[batch, input]`; output `[batch, output]`.
/// Derivative: `dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db = Σ_batch dy`.
public struct AffineTransform<Scalar: TensorScalar>: NaryOperation {
  /// Creates the operation.
  @inlinable
  public init() {}
  /// `x·W + b`
  @inlinable
  public func forward(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> {
    tensorPrecondition(
      xs.count == 2 || xs.count == 3,
      "AffineTransform: expected inputs [x, W] or [x, W, b], got \(xs.count) inputs")
    return Self.forward(xs[0], xs[1], xs.count == 3 ? xs[2] : nil)
  }
  /// `[dy·Wᵀ, xᵀ·dy, Σ dy]`
  @inlinable
  public func backward(
    _ xs: [Tensor<Scalar>], _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> [Tensor<Scalar>]
  {
    let dx = Self.inputGradient(dy, xs[1])
    let dw = Self.weightGradient(xs[0], dy)
    return xs.count == 3 ? [dx, dw, Self.biasGradient(dy)] : [dx, dw]
  }

  /// `activation(x·W + b)` on tensors: every row starts as the bias, the product accumulates
  /// onto it, and the activation runs over the result in place.
  @inlinable
  static func forward(
    _ x: Tensor<Scalar>, _ w: Tensor<Scalar>, _ bias: Tensor<Scalar>?,
    activation: FusedActivation = .identity
  ) -> Tensor<Scalar> {
    var y = forward(x, w, bias)
    if let kernel = activation.forwardKernel(Scalar.self) { y.formApplying(kernel) }
    return y
  }

  /// `x·W + b` on tensors, in one pass: every row starts as the bias and the product
  /// accumulates onto it.
  @inlinable
  static func forward(
    _ x: Tensor<Scalar>, _ w: Tensor<Scalar>, _ bias: Tensor<Scalar>?
  ) -> Tensor<Scalar> {
    tensorPrecondition(
      x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
      "AffineTransform: x of shape \(describe(shape: x.shape)) does not fit W of shape "
        + "\(describe(shape: w.shape)); expected x [batch, input] and W [input, output]")
    guard let bias else { return x.matmul(w) }
    let (batch, inputs, outputs) = (x.shape[0], x.shape[1], w.shape[1])
    tensorPrecondition(
      bias.rank == 1 && bias.shape[0] == outputs,
      "AffineTransform: bias of shape \(describe(shape: bias.shape)) for W of shape "
        + "\(describe(shape: w.shape)); expected [\(outputs)]")
    return Tensor(shape: [batch, outputs]) { y in
      for row in 0..<batch { (y + row * outputs).update(from: bias.baseAddress, count: outputs) }
      if batch * outputs == 0 { return }
      Scalar._gemm(
        transposeA: false, transposeB: false, m: batch, n: outputs, k: inputs, alpha: 1,
        x.baseAddress, lda: inputs, w.baseAddress, ldb: outputs, beta: 1, y, ldc: outputs)
    }
  }

  /// `dy·Wᵀ`
  @inlinable
  static func inputGradient(_ dy: Tensor<Scalar>, _ w: Tensor<Scalar>) -> Tensor<Scalar> {
    dy.matmul(w, transposingOther: true)
  }
  /// `xᵀ·dy`
  @inlinable
  static func weightGradient(_ x: Tensor<Scalar>, _ dy: Tensor<Scalar>) -> Tensor<Scalar> {
    x.matmul(dy, transposingSelf: true)
  }
  /// `Σ_batch dy`; a batch of one needs no reduction (the gradient is dy's only row).
  @inlinable
  static func biasGradient(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
    dy.shape[0] == 1 ? dy.reshaped(to: [dy.shape[1]]) : dy.sum(axis: 0)
  }

  /// `activation(x·W + b)` on variables, recorded on their tape as one operation: the n-ary
  /// path without its arrays, and without computing the gradient of an input that needs none
  /// (a network's input batch).
  @inlinable
  static func apply(
    _ x: Variable<Scalar>, _ w: Variable<Scalar>, _ b: Variable<Scalar>?,
    activation: FusedActivation = .identity
  ) -> Variable<Scalar> {
    let (xValue, wValue) = (x.value, w.value)
    let value = forward(xValue, wValue, b?.value, activation: activation)
    // The first live tape among the inputs; every input on a live tape must be on that one.
    let tape = x.liveTape ?? w.liveTape ?? b?.liveTape
    if let tape,
      !x.isOnTapeOrNone(tape) || !w.isOnTapeOrNone(tape)
        || !(b?.isOnTapeOrNone(tape) ?? true)
    {
      tensorFailure("AffineTransform: the inputs were recorded on two different tapes")
    }
    let needsGradient = x.needsGradient || w.needsGradient || (b?.needsGradient ?? false)
    guard let tape, needsGradient else {
      let output = Variable(value: value, producer: Self.self, tape: tape, needsGradient: false)
      output.untrackedTrainable =
        x.untrackedTrainable || w.untrackedTrainable || (b?.untrackedTrainable ?? false)
        || (tape == nil && needsGradient)
      return output
    }
    if x.untrackedTrainable { AffineTransform().untrackedInputFailure(index: 0, input: x) }
    if w.untrackedTrainable { AffineTransform().untrackedInputFailure(index: 1, input: w) }
    if let b, b.untrackedTrainable { AffineTransform().untrackedInputFailure(index: 2, input: b) }
    // `consume`: the values move into the output and the entry instead of being copied (each
    // copy of a tensor is two atomic reference-count operations).
    let output = Variable(
      value: consume value, producer: Self.self, tape: tape, needsGradient: true)
    // Built straight into its slot (see `DifferentiableOperation.apply(to:recording:)`).
    TapeRecord.slot(for: AffineTapeEntry<Scalar>.self, on: tape).initialize(
      to: AffineTapeEntry(
        inputs: (x, w, b), inputValue: consume xValue, weightValue: consume wValue,
        output: output, activation: activation))
    return output
  }
}

/// The record of `AffineTransform.apply`: with `dy` the gradient before the activation,
/// `dx = dy·Wᵀ` when `x` needs it, and `dW += xᵀ·dy`, `db += Σ dy` written straight into the
/// parameters' gradient buffers.
@usableFromInline
struct AffineTapeEntry<Scalar: TensorScalar>: TapeEntry {
  @usableFromInline let inputs: (x: Variable<Scalar>, w: Variable<Scalar>, b: Variable<Scalar>?)
  @usableFromInline let inputValue: Tensor<Scalar>
  @usableFromInline let weightValue: Tensor<Scalar>
  /// The output, whose value an activation's derivative reads (fixed until `backward()`, see
  /// `Variable.value`).
  @usableFromInline var output: Variable<Scalar>
  @usableFromInline let activation: FusedActivation

  @inlinable
  init(
    inputs: (x: Variable<Scalar>, w: Variable<Scalar>, b: Variable<Scalar>?),
    inputValue: Tensor<Scalar>, weightValue: Tensor<Scalar>, output: Variable<Scalar>,
    activation: FusedActivation
  ) {
    self.inputs = inputs
    self.inputValue = inputValue
    self.weightValue = weightValue
    self.output = output
    self.activation = activation
  }

  @inlinable
  mutating func backpropagate() {
    // As for `UnaryTapeEntry`: when this entry holds the only reference to the output, nothing
    // else can read its gradient, whose buffer then takes the activation's derivative in place.
    let isPrivate = isKnownUniquelyReferenced(&output)
    guard var dy = isPrivate ? output.takeGradient() : output.gradient else { return }
    if let kernel = activation.backwardKernel {
      dy.formCombination(with: output.value, kernel, name: "AffineTransform.backward")
    }
    if inputs.x.needsGradient {
      inputs.x.accumulateGradient(
        AffineTransform.inputGradient(dy, weightValue), from: "AffineTransform")
    }
    let (batch, inputCount, outputCount) = (
      inputValue.shape[0], inputValue.shape[1], weightValue.shape[1]
    )
    if inputs.w.needsGradient {
      inputs.w.accumulateGradient(shape: weightValue.shape, from: "AffineTransform") {
        dw, accumulate in
        guard inputCount * outputCount > 0 else { return }
        if batch == 0 {
          if !accumulate { dw.update(repeating: 0, count: inputCount * outputCount) }
          return
        }
        Scalar._gemm(
          transposeA: true, transposeB: false, m: inputCount, n: outputCount, k: batch,
          alpha: 1, inputValue.baseAddress, lda: inputCount, dy.baseAddress, ldb: outputCount,
          beta: accumulate ? 1 : 0, dw, ldc: outputCount)
      }
    }
    if let b = inputs.b, b.needsGradient {
      b.accumulateGradient(shape: b.value.shape, from: "AffineTransform") { db, accumulate in
        if !accumulate { db.update(repeating: 0, count: outputCount) }
        let rows = dy.baseAddress
        for row in 0..<batch {
          let source = rows + row * outputCount
          for j in 0..<outputCount { db[j] += source[j] }
        }
      }
    }
  }
}
