// The loops of the affine map `x·W + b` and of its parameters' gradients, over packed GEMM.

/// Writes `x·W + b` into `y` (`[batch, output]`): every row starts as the bias and the product
/// accumulates onto it, in one pass.
@inlinable
func addAffineProduct<Scalar: TensorScalar>(
  _ x: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>,
  into y: UnsafeMutablePointer<Scalar>
) {
  let (batch, inputs, outputs) = (x.shape[0], x.shape[1], w.shape[1])
  if batch * outputs == 0 { return }
  addAffineProduct(
    x.baseAddress, w.baseAddress, bias: bias.baseAddress, into: y, batch: batch, inputs: inputs,
    outputs: outputs)
}

/// `addAffineProduct` on raw rows: where GEMM's micro-kernels can start their sums at the bias
/// (a Float product reading `x` in place), the bias is never written into `y` separately;
/// elsewhere the rows are filled with it first and the product accumulates onto them.
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addAffineProduct<Scalar: TensorScalar>(
  _ x: UnsafePointer<Scalar>, _ w: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
  into y: UnsafeMutablePointer<Scalar>, batch: Int, inputs: Int, outputs: Int
) {
  if GEMM.fusesBias(Scalar.self, transposeA: false, m: batch, n: outputs, k: inputs) {
    GEMM.multiply(
      transposeA: false, transposeB: false, m: batch, n: outputs, k: inputs, alpha: 1, x,
      lda: inputs, w, ldb: outputs, beta: 0, y, ldc: outputs, bias: bias)
    return
  }
  fillRows(y, rows: batch, columns: outputs, with: bias)
  Scalar._gemm(
    transposeA: false, transposeB: false, m: batch, n: outputs, k: inputs, alpha: 1, x,
    lda: inputs, w, ldb: outputs, beta: 1, y, ldc: outputs)
}

/// Writes `source` into each of the `rows` rows of `y` (`columns` scalars each), split
/// between the cores by rows for large outputs: a transformer's projections of 2,048 rows spent
/// 2.6% of a two-thread step here on one core while the other waited. Not inlinable, so that the
/// copies run specialised.
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func fillRows<Scalar: TensorScalar>(
  _ y: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, with source: UnsafePointer<Scalar>
) {
  nonisolated(unsafe) let (y, source) = (y, source)
  ElementwiseKernels.forEachRowShare(rows: rows, columns: columns) { share in
    for row in share { (y + row * columns).update(from: source, count: columns) }
  }
}

/// `dW = xᵀ·dz` (or `dW += xᵀ·dz` when `accumulate`), `dW` of shape `[input, output]`; with a
/// `bias` gradient, also `db = Σ_rows dz` (or `db +=` when its `accumulate`), summed while
/// `dz` is packed for the product where the rows are many.
@inlinable
func addAffineWeightGradient<Scalar: TensorScalar>(
  _ x: Tensor<Scalar>, _ dz: Tensor<Scalar>, into dw: UnsafeMutablePointer<Scalar>,
  accumulate: Bool, bias: (gradient: UnsafeMutablePointer<Scalar>, accumulate: Bool)? = nil
) {
  let (batch, inputs, outputs) = (x.shape[0], x.shape[1], dz.shape[1])
  if batch >= weightGradientHalvingDepth && inputs * outputs > 0 {
    addWeightGradientInHalves(
      x.baseAddress, dz.baseAddress, into: dw, batch: batch, inputs: inputs, outputs: outputs,
      accumulate: accumulate, biasGradient: bias?.gradient, accumulateBias: bias?.accumulate ?? true
    )
    return
  }
  if let bias {
    addColumnSums(of: dz, into: bias.gradient, accumulate: bias.accumulate)
  }
  guard inputs * outputs > 0 else { return }
  if batch == 0 {
    if !accumulate { dw.update(repeating: 0, count: inputs * outputs) }
    return
  }
  Scalar._gemm(
    transposeA: true, transposeB: false, m: inputs, n: outputs, k: batch, alpha: 1,
    x.baseAddress, lda: inputs, dz.baseAddress, ldb: outputs, beta: accumulate ? 1 : 0, dw,
    ldc: outputs)
}

/// From this many rows, `addAffineWeightGradient` sums each half of the rows apart.
@usableFromInline let weightGradientHalvingDepth = 1024

/// `dW (+)= xᵀ·dz` as the sum of the products over the first and the second half of the rows,
/// each computed by one thread: each core then reads the rows of `x` and `dz` that it wrote
/// itself in the passes before (those split rows in halves too), where a product split by
/// columns had both cores fetch every row, half of them from the other core's cache (the
/// packing of a transformer's weight gradients ran three times slower on two threads than on
/// one). The halves are summed the same way on one thread, so results do not depend on the
/// thread count. A `biasGradient` gets the column sums of `dz` the same way, each half summed
/// while it is packed. O(batch · inputs · outputs), O(inputs · outputs) temporary memory.
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addWeightGradientInHalves<Scalar: TensorScalar>(
  _ x: UnsafePointer<Scalar>, _ dz: UnsafePointer<Scalar>, into dw: UnsafeMutablePointer<Scalar>,
  batch: Int, inputs: Int, outputs: Int, accumulate: Bool,
  biasGradient: UnsafeMutablePointer<Scalar>? = nil, accumulateBias: Bool = true
) {
  let count = inputs * outputs
  let buffer = ScratchBuffer(byteCount: (count + outputs) * MemoryLayout<Scalar>.stride)
  defer { buffer.free() }
  nonisolated(unsafe) let second = buffer.address.bindMemory(
    to: Scalar.self, capacity: count + outputs)
  nonisolated(unsafe) let secondSums = second + count
  nonisolated(unsafe) let (x, dz, dw, db) = (x, dz, dw, biasGradient)
  if let db {
    if !accumulateBias { db.update(repeating: 0, count: outputs) }
    secondSums.update(repeating: 0, count: outputs)
  }
  let half = batch / 2
  WorkerPool.shared.runShares(of: 2, threads: Swift.min(2, GEMM.coreCount)) { _, share in
    for part in share {
      let rows = part == 0 ? 0..<half : half..<batch
      GEMM.multiply(
        transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows.count, alpha: 1,
        x + rows.lowerBound * inputs, lda: inputs, dz + rows.lowerBound * outputs,
        ldb: outputs, beta: part == 0 && accumulate ? 1 : 0, part == 0 ? dw : second,
        ldc: outputs, threads: 1, columnSumsOfB: db == nil ? nil : part == 0 ? db : secondSums)
    }
  }
  ElementwiseKernels.forEachRowShare(rows: inputs, columns: outputs) { share in
    for i in share.lowerBound * outputs..<share.upperBound * outputs { dw[i] += second[i] }
  }
  if let db {
    for j in 0..<outputs { db[j] += secondSums[j] }
  }
}

/// `db = Σ_rows dz` (or `db +=` when `accumulate`), `db` of `dz.shape[1]` elements.
///
/// Not inlinable: the tape runs backward passes through generic code, where an inlined loop
/// would add through generic witnesses; the specialised entry points run the loop on `Float`
/// and `Double`.
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addColumnSums<Scalar: TensorScalar>(
  of dz: Tensor<Scalar>, into db: UnsafeMutablePointer<Scalar>, accumulate: Bool
) {
  let (rows, columns) = (dz.shape[0], dz.shape[1])
  if !accumulate { db.update(repeating: 0, count: columns) }
  let (source, sums) = (UnsafePointer(dz.baseAddress), UnsafePointer(db))
  let width = Scalar.Vector.scalarCount
  // Row after row, as a scalar loop would add: vectors change the speed, not the sums; nor
  // does splitting the columns between threads.
  ElementwiseKernels.forEachColumnShare(rows: rows, columns: columns) { share in
    for row in 0..<rows {
      let values = source + row * columns
      var column = share.lowerBound
      while column + width <= share.upperBound {
        db.storeVector(sums.loadVector(at: column) + values.loadVector(at: column), at: column)
        column += width
      }
      while column < share.upperBound {
        db[column] += values[column]
        column += 1
      }
    }
  }
}
