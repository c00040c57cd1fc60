// The backward pass of `AffineTransform`, and its tape entry. A reader can skip this file: it
// computes the derivative the operation's documentation states, writing the parameters'
// gradients straight into their buffers (a matrix product with `beta = 1`).

extension AffineTransform {
  /// Accumulates the gradients of `variables` (`x`, `W`, `b`) from the output gradient `dy`;
  /// `y` is the output, read by the activation's derivative, and `slope` the derivative itself
  /// at the pre-activation, kept for activations whose derivative the output does not give
  /// (GELU). Inputs that need no gradient (a network's input batch) get none computed.
  @inlinable
  func backpropagate(
    _ dy: consuming Tensor<Scalar>, output y: Tensor<Scalar>, slope: Tensor<Scalar>?,
    input x: Tensor<Scalar>, weight w: Tensor<Scalar>, to variables: AffineVariables<Scalar>
  ) {
    // Inputs of rank 3 or more are matrices of rows here (reshapes share storage).
    let (inputShape, x) = (x.shape, Self.rows(x))
    var dz = Self.rows(consume dy)
    if let kernel = activation.backwardKernel {
      dz.formCombination(with: Self.rows(y), kernel, name: "AffineTransform.backward")
    }
    if let slope {
      dz.formCombination(with: Self.rows(slope), .multiply, name: "AffineTransform.backward")
    }
    if variables.x.needsGradient {
      // dx = dz·Wᵀ, added by the product itself to a gradient already there (an input shared
      // by several maps, as the query, key and value projections share theirs).
      let (rows, inputs, outputs) = (dz.shape[0], w.shape[0], w.shape[1])
      variables.x.accumulateGradient(shape: inputShape, from: "AffineTransform") {
        dx, accumulate in
        guard rows * inputs > 0 else { return }
        Scalar._gemm(
          transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, alpha: 1,
          dz.baseAddress, lda: outputs, w.baseAddress, ldb: outputs, beta: accumulate ? 1 : 0,
          dx, ldc: inputs)
      }
    }
    let b = variables.b.flatMap { $0.needsGradient ? $0 : nil }
    if variables.w.needsGradient {
      variables.w.accumulateGradient(shape: w.shape, from: "AffineTransform") {
        dw, accumulate in
        guard let b else { return addAffineWeightGradient(x, dz, into: dw, accumulate: accumulate) }
        // The bias gradient is summed while dz is packed for the weight gradient.
        b.accumulateGradient(shape: b.value.shape, from: "AffineTransform") {
          db, accumulateBias in
          addAffineWeightGradient(
            x, dz, into: dw, accumulate: accumulate, bias: (db, accumulateBias))
        }
      }
    } else if let b {
      b.accumulateGradient(shape: b.value.shape, from: "AffineTransform") { db, accumulate in
        addColumnSums(of: dz, into: db, accumulate: accumulate)
      }
    }
  }
}

/// The record of `AffineTransform`: the input's and the weight's values, and the
/// activation's derivative for GELU; the output's is read
/// from its variable (fixed until `backward()`, see `Variable.value`).
@usableFromInline
struct AffineTapeEntry<Scalar: TensorScalar>: TapeEntry {
  @usableFromInline let operation: AffineTransform<Scalar>
  @usableFromInline let inputs: AffineVariables<Scalar>
  @usableFromInline let kept:
    (input: Tensor<Scalar>, weight: Tensor<Scalar>, slope: Tensor<Scalar>?)
  @usableFromInline var output: Variable<Scalar>

  @inlinable
  init(
    operation: AffineTransform<Scalar>, inputs: consuming AffineVariables<Scalar>,
    kept:
      consuming (
        input: Tensor<Scalar>, weight: Tensor<Scalar>, slope: Tensor<Scalar>?
      ),
    output: Variable<Scalar>
  ) {
    self.operation = operation
    self.inputs = inputs
    self.kept = kept
    self.output = output
  }

  @inlinable
  mutating func backpropagate() {
    guard let dy = takeGradient(of: &output) else { return }
    operation.backpropagate(
      consume dy, output: output.value, slope: kept.slope, input: kept.input,
      weight: kept.weight, to: inputs)
  }
}
