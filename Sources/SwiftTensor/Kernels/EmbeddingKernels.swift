/// Copies row `ids[k]` of `table` (rows of `width` scalars) to row `k` of `destination`.
@inlinable
func copyRows<Scalar: TensorScalar>(
  of table: UnsafePointer<Scalar>, width: Int, at ids: [Int],
  into destination: UnsafeMutablePointer<Scalar>
) {
  // Raw copies: this runs unspecialised from the generic operation, where a typed copy would
  // go through the element type's value witnesses.
  let bytes = width * MemoryLayout<Scalar>.stride
  for (k, id) in ids.enumerated() {
    UnsafeMutableRawPointer(destination + k * width).copyMemory(
      from: table + id * width, byteCount: bytes)
  }
}
