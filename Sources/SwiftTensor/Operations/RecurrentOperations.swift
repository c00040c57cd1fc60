/// Rows of a table picked by integer ids: an embedding lookup.
///
/// Input: the table `[vocabulary, dimension]`. Output: `idsShape + [dimension]`, row `k` being
/// `table[ids[k]]`. Derivative: the output gradient's rows added into a zero table at the rows
/// used (a row used twice receives both). The gradient is a dense table-sized tensor, which is
/// cheap for character vocabularies; a sparse gradient would suit large word vocabularies.
public struct EmbeddingLookup<Scalar: TensorScalar>: UnaryOperation {
  /// The ids, row-major over `idsShape`.
  public let ids: [Int]
  /// The shape of the ids (the batch shape).
  public let idsShape: [Int]

  /// Creates the lookup.
  ///
  /// - Precondition: `ids.count` is the product of `idsShape`.
  @inlinable
  public init(ids: [Int], shape idsShape: [Int]) {
    tensorPrecondition(
      ids.count == idsShape.reduce(1, *),
      "EmbeddingLookup: \(ids.count) ids for shape \(describe(shape: idsShape))")
    self.ids = ids
    self.idsShape = idsShape
  }

  /// The looked-up rows.
  @inlinable
  public func forward(_ table: Tensor<Scalar>) -> Tensor<Scalar> {
    tensorPrecondition(
      table.rank == 2,
      "EmbeddingLookup: table of shape \(describe(shape: table.shape)); "
        + "expected [vocabulary, dimension]")
    let (vocabulary, dimension) = (table.shape[0], table.shape[1])
    for id in ids where !(0..<vocabulary).contains(id) {
      tensorFailure("EmbeddingLookup: id \(id) is outside the vocabulary of \(vocabulary)")
    }
    return Tensor(shape: idsShape + [dimension]) { destination in
      table.withUnsafeBufferPointer { source in
        guard let base = source.baseAddress else { return }
        for (row, id) in ids.enumerated() {
          (destination + row * dimension).update(from: base + id * dimension, count: dimension)
        }
      }
    }
  }

  /// The output gradient's rows added into a zero table.
  @inlinable
  public func backward(
    _ table: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    let dimension = table.shape[1]
    var gradient = Tensor<Scalar>(repeating: 0, shape: table.shape)
    gradient.withUnsafeMutableBufferPointer { target in
      dy.withUnsafeBufferPointer { source in
        guard let to = target.baseAddress, let from = source.baseAddress else { return }
        for (row, id) in ids.enumerated() {
          let destination = to + id * dimension
          let origin = from + row * dimension
          for j in 0..<dimension { destination[j] += origin[j] }
        }
      }
    }
    return gradient
  }
}

/// One step of a long short-term memory cell, fused: gate pre-activations `z = zx + h·Wh`
/// (one GEMM; `zx = x·Wx + b` comes precomputed for all steps at once), the gate math in one
/// pass, and a backward that mirrors it.
///
/// Inputs `[zx, h, c, Wh]`: `zx` `[batch, 4·hidden]`, `h` and `c` `[batch, hidden]`, `Wh`
/// `[hidden, 4·hidden]`. Gates are laid out `[i | f | o | g]`: `i, f, o = σ(z)`, `g = tanh(z)`.
/// Outputs `(h', c')` with `c' = f·c + i·g` and `h' = o·tanh(c')`.
///
/// Derivative: with `dc = dc' + dh'·o·(1 - tanh²c')`: `dz_i = dc·g·i(1-i)`,
/// `dz_f = dc·c·f(1-f)`, `dz_o = dh'·tanh(c')·o(1-o)`, `dz_g = dc·i·(1-g²)`; then `dzx = dz`,
/// `dh = dz·Whᵀ`, `dc_prev = dc·f`, `dWh = hᵀ·dz`.
public struct LSTMCell<Scalar: TensorScalar>: DifferentiableOperation {
  /// Gate activations and cell state saved by the forward pass.
  public struct Saved {
    @usableFromInline let sigmoids: Tensor<Scalar>
    @usableFromInline let tanhs: Tensor<Scalar>
    @usableFromInline let cellTanh: Tensor<Scalar>

    @inlinable
    init(sigmoids: Tensor<Scalar>, tanhs: Tensor<Scalar>, cellTanh: Tensor<Scalar>) {
      self.sigmoids = sigmoids
      self.tanhs = tanhs
      self.cellTanh = cellTanh
    }
  }

  /// Creates the operation.
  @inlinable
  public init() {}

  /// `(h', c')` and the saved activations.
  @inlinable
  public func forwardSaving(
    _ inputs: TensorList<Scalar>
  ) -> (
    outputs: TensorPair<Scalar>, saved: Saved
  ) {
    let (zx, h, c, wh) = (
      inputs.tensors[0], inputs.tensors[1], inputs.tensors[2], inputs.tensors[3]
    )
    let (batch, hidden) = (h.shape[0], h.shape[1])
    tensorPrecondition(
      zx.shape == [batch, 4 * hidden] && c.shape == [batch, hidden]
        && wh.shape == [hidden, 4 * hidden],
      "LSTMCell: inputs of shapes \(describe(shape: zx.shape)), \(describe(shape: h.shape)), "
        + "\(describe(shape: c.shape)), \(describe(shape: wh.shape)); expected [b, 4h], [b, h], "
        + "[b, h], [h, 4h] with the same batch b and hidden size h")
    let z = zx + h.matmul(wh)
    let sigmoids = z.sigmoid()
    let tanhs = z.tanh()
    var newCell = Tensor<Scalar>(repeating: 0, shape: [batch, hidden])
    sigmoids.withUnsafeBufferPointer { s in
      tanhs.withUnsafeBufferPointer { t in
        c.withUnsafeBufferPointer { cOld in
          newCell.withUnsafeMutableBufferPointer { cNew in
            for b in 0..<batch {
              let row = b * 4 * hidden
              for j in 0..<hidden {
                let i = s[row + j]
                let f = s[row + hidden + j]
                let g = t[row + 3 * hidden + j]
                cNew[b * hidden + j] = f * cOld[b * hidden + j] + i * g
              }
            }
          }
        }
      }
    }
    let cellTanh = newCell.tanh()
    var newHidden = Tensor<Scalar>(repeating: 0, shape: [batch, hidden])
    sigmoids.withUnsafeBufferPointer { s in
      cellTanh.withUnsafeBufferPointer { tc in
        newHidden.withUnsafeMutableBufferPointer { hNew in
          for b in 0..<batch {
            for j in 0..<hidden {
              hNew[b * hidden + j] = s[b * 4 * hidden + 2 * hidden + j] * tc[b * hidden + j]
            }
          }
        }
      }
    }
    return (
      TensorPair(newHidden, newCell),
      Saved(sigmoids: sigmoids, tanhs: tanhs, cellTanh: cellTanh)
    )
  }

  /// The gradients with respect to `zx`, `h`, `c` and `Wh`.
  @inlinable
  public func backward(
    inputs: TensorList<Scalar>, outputs: TensorPair<Scalar>, saved: Saved,
    gradients: TensorPair<Scalar>
  ) -> TensorList<Scalar> {
    let (h, c, wh) = (inputs.tensors[1], inputs.tensors[2], inputs.tensors[3])
    let (batch, hidden) = (h.shape[0], h.shape[1])
    var dz = Tensor<Scalar>(repeating: 0, shape: [batch, 4 * hidden])
    var dcPrevious = Tensor<Scalar>(repeating: 0, shape: [batch, hidden])
    saved.sigmoids.withUnsafeBufferPointer { s in
      saved.tanhs.withUnsafeBufferPointer { t in
        saved.cellTanh.withUnsafeBufferPointer { tc in
          c.withUnsafeBufferPointer { cOld in
            gradients.first.withUnsafeBufferPointer { dh in
              gradients.second.withUnsafeBufferPointer { dcOut in
                dz.withUnsafeMutableBufferPointer { dzOut in
                  dcPrevious.withUnsafeMutableBufferPointer { dcPrev in
                    for b in 0..<batch {
                      let row = b * 4 * hidden
                      for j in 0..<hidden {
                        let k = b * hidden + j
                        let i = s[row + j]
                        let f = s[row + hidden + j]
                        let o = s[row + 2 * hidden + j]
                        let g = t[row + 3 * hidden + j]
                        let dc = dcOut[k] + dh[k] * o * (1 - tc[k] * tc[k])
                        dzOut[row + j] = dc * g * i * (1 - i)
                        dzOut[row + hidden + j] = dc * cOld[k] * f * (1 - f)
                        dzOut[row + 2 * hidden + j] = dh[k] * tc[k] * o * (1 - o)
                        dzOut[row + 3 * hidden + j] = dc * i * (1 - g * g)
                        dcPrev[k] = dc * f
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    let dh = dz.matmul(wh, transposingOther: true)
    let dwh = h.matmul(dz, transposingSelf: true)
    return TensorList(tensors: [dz, dh, dcPrevious, dwh])
  }
}
