// The loops of `AddPositions`: rows of a position table added to every sequence of a batch,
// and the batch sums of the gradient scattered back to those rows. Not inlinable: operations
// run through generic code on the tape, where an inlined loop would move every scalar through
// generic witnesses; the specialised entry points run these loops on `Float` and `Double`.

/// `y[b, t, :] = x[b, t, :] + table[offset + t, :]` for `x` and `y` of `batch·time·width`
/// scalars; `y` may be `x`. O(batch·time·width).
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addPositionRows<Scalar: TensorScalar>(
  _ x: UnsafePointer<Scalar>, table: UnsafePointer<Scalar>, offset: Int,
  into y: UnsafeMutablePointer<Scalar>, batch: Int, time: Int, width: Int
) {
  let rows = table + offset * width
  let span = time * width
  for sequence in 0..<batch {
    let (source, destination) = (x + sequence * span, y + sequence * span)
    for index in 0..<span { destination[index] = source[index] + rows[index] }
  }
}

/// `dtable[offset + t, :] = Σ_b dy[b, t, :]`, the other rows 0, for `dtable` of
/// `length·width` scalars. O(length·width + batch·time·width).
@usableFromInline
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func sumPositionGradients<Scalar: TensorScalar>(
  _ dy: UnsafePointer<Scalar>, into dtable: UnsafeMutablePointer<Scalar>, length: Int,
  offset: Int, batch: Int, time: Int, width: Int
) {
  dtable.initialize(repeating: 0, count: length * width)
  let rows = dtable + offset * width
  let span = time * width
  for sequence in 0..<batch {
    let source = dy + sequence * span
    for index in 0..<span { rows[index] += source[index] }
  }
}
