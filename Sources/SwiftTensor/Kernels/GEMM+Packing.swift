import SwiftTensorCKernels

extension GEMM {
  /// Packs rows `rows` and columns `depth` of op(A) into 6-row micro-panels.
  ///
  /// Panel `q` starts at `q * 6 * depth.count`; within it, step `p` holds op(A)[row, p] for the
  /// panel's 6 rows consecutively, so the micro-kernel reads A with unit stride. Rows past the
  /// end are zero, which lets edge tiles run the full-size kernel. O(rows x depth) time.
  static func packA<S: TensorScalar>(
    transposed: Bool, _ a: UnsafePointer<S>, lda: Int, rows: Range<Int>, depth: Range<Int>,
    into buffer: UnsafeMutablePointer<S>, useFastPacking: Bool = hasFastKernel
  ) {
    let kc = depth.count
    var dst = buffer
    var i0 = rows.lowerBound
    let fullPanels = rows.count / mr
    if transposed && fullPanels > 0 && useFastPacking
      && packPanelC(
        .transposedA(panels: fullPanels), a + depth.lowerBound * lda + i0, stride: lda,
        depth: kc, into: dst)
    {
      // The full panels packed by the AVX2 C routine, eight rows of `a` at a time.
      dst += fullPanels * mr * kc
      i0 += fullPanels * mr
    }
    while i0 < rows.upperBound {
      let height = min(mr, rows.upperBound - i0)
      if height < mr {
        dst.initialize(repeating: 0, count: mr * kc)
      }
      if transposed {
        // op(A)[i, p] = a[p, i]: row p of `a` holds the panel's values contiguously.
        for (q, p) in depth.enumerated() {
          let src = a + p * lda + i0
          let out = dst + q * mr
          for r in 0..<height { out[r] = src[r] }
        }
      } else if height == mr && useFastPacking
        && packPanelC(.a, a + i0 * lda + depth.lowerBound, stride: lda, depth: kc, into: dst)
      {
        // Packed by the AVX2 C routine (a register transpose of 8 or 4 columns at a time).
      } else {
        // Reading each row of `a` contiguously and scattering with stride 6 is cheaper than
        // gathering 6 rows per step.
        for r in 0..<height {
          let src = a + (i0 + r) * lda + depth.lowerBound
          let out = dst + r
          for q in 0..<kc { out[q * mr] = src[q] }
        }
      }
      dst += mr * kc
      i0 += mr
    }
  }

  /// Adds each column of op(B) (`k x n`), its rows in order, to `sums`: for the products that
  /// do not pack B. O(k x n).
  static func addColumnSums<S: TensorScalar>(
    ofB b: UnsafePointer<S>, transposed: Bool, ldb: Int, k: Int, n: Int,
    into sums: UnsafeMutablePointer<S>
  ) {
    for p in 0..<k {
      for j in 0..<n { sums[j] += transposed ? b[j * ldb + p] : b[p * ldb + j] }
    }
  }

  /// Packs rows `depth` and columns `columns` of op(B) into micro-panels of `nr` columns.
  ///
  /// Panel `q` starts at `q * nr * depth.count`; within it, step `p` holds op(B)[p, j] for the
  /// panel's `nr` columns consecutively. Columns past the end are zero. A `columnSums` (of a
  /// non-transposed B; `columns.count` values) gets each column's values added, row after row.
  /// O(depth x columns) time.
  static func packB<S: TensorScalar>(
    transposed: Bool, _ b: UnsafePointer<S>, ldb: Int, depth: Range<Int>, columns: Range<Int>,
    nr: Int, into buffer: UnsafeMutablePointer<S>, useFastPacking: Bool = hasFastKernel,
    columnSums: UnsafeMutablePointer<S>? = nil
  ) {
    precondition(!transposed || columnSums == nil, "GEMM: column sums of a transposed B")
    let kc = depth.count
    var dst = buffer
    var j0 = columns.lowerBound
    while j0 < columns.upperBound {
      let width = min(nr, columns.upperBound - j0)
      // The full panels from here, for the C routine.
      let group = (columns.upperBound - j0) / nr
      if width < nr {
        dst.initialize(repeating: 0, count: nr * kc)
      }
      if transposed && width == nr && useFastPacking
        && packPanelC(
          .transposedB, b + j0 * ldb + depth.lowerBound, stride: ldb, depth: kc, into: dst)
      {
        // Packed by the AVX2 C routine (8 x 8 register transposes).
      } else if transposed {
        // op(B)[p, j] = b[j, p]: walk each column of op(B) along a contiguous row of `b`.
        for c in 0..<width {
          let src = b + (j0 + c) * ldb + depth.lowerBound
          let out = dst + c
          for q in 0..<kc { out[q * nr] = src[q] }
        }
      } else if width == nr && useFastPacking
        && packPanelC(
          .b(panels: group), b + depth.lowerBound * ldb + j0, stride: ldb, depth: kc, into: dst,
          sums: columnSums.map { $0 + (j0 - columns.lowerBound) })
      {
        // Copied by the AVX2 C routine, eight rows at a time across all the full panels.
        dst += nr * kc * (group - 1)
        j0 += nr * (group - 1)
      } else if let sums = columnSums.map({ $0 + (j0 - columns.lowerBound) }) {
        for (q, p) in depth.enumerated() {
          let src = b + p * ldb + j0
          let out = dst + q * nr
          for c in 0..<width {
            out[c] = src[c]
            sums[c] += src[c]
          }
        }
      } else if width == nr {
        // A full panel row is a contiguous run of `nr` values: copy it as two vectors.
        let stride = MemoryLayout<S.Vector>.stride
        for (q, p) in depth.enumerated() {
          let src = UnsafeRawPointer(b + p * ldb + j0)
          let out = UnsafeMutableRawPointer(dst + q * nr)
          out.storeBytes(of: src.loadUnaligned(as: S.Vector.self), as: S.Vector.self)
          out.storeBytes(
            of: src.loadUnaligned(fromByteOffset: stride, as: S.Vector.self),
            toByteOffset: stride, as: S.Vector.self)
        }
      } else {
        for (q, p) in depth.enumerated() {
          let src = b + p * ldb + j0
          let out = dst + q * nr
          for c in 0..<width { out[c] = src[c] }
        }
      }
      dst += nr * kc
      j0 += nr
    }
  }
}

/// Which operand's panel `GEMM.packPanelC` packs.
enum PackedOperand {
  /// Six rows of A, transposed into groups of six.
  case a
  /// `panels` consecutive six-column panels of a transposed A, six contiguous values per
  /// panel and step.
  case transposedA(panels: Int)
  /// One full panel of a transposed B (`Float` only: other types return false).
  case transposedB
  /// `panels` consecutive full panels of B (16 `Float` or 8 `Double` columns each), copied
  /// eight rows at a time.
  case b(panels: Int)
}

extension GEMM {
  /// Packs one full panel of a non-transposed operand with the AVX2 C routines (`source` at
  /// row stride `stride`, `depth` values deep); returns false, having done nothing, on other
  /// architectures or scalar types. `sums` (for `.b` only) gets each column's values added.
  /// O(depth).
  @inline(__always)
  static func packPanelC<S: TensorScalar>(
    _ operand: PackedOperand, _ source: UnsafePointer<S>, stride: Int, depth: Int,
    into buffer: UnsafeMutablePointer<S>, sums: UnsafeMutablePointer<S>? = nil
  ) -> Bool {
    #if arch(x86_64)
      if S.self == Float.self {
        let (from, to) = (
          UnsafeRawPointer(source).assumingMemoryBound(to: Float.self),
          UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: Float.self)
        )
        switch operand {
        case .a: swifttensor_spack_a6(from, stride, depth, to)
        case .transposedA(let panels):
          swifttensor_spack_a6_transposed(from, stride, depth, panels, to)
        case .transposedB: swifttensor_spack_b16_transposed(from, stride, depth, to)
        case .b(let panels):
          let sums = sums.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) }
          swifttensor_spack_b16(from, stride, depth, panels, to, sums)
        }
        return true
      }
      if S.self == Double.self {
        let (from, to) = (
          UnsafeRawPointer(source).assumingMemoryBound(to: Double.self),
          UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: Double.self)
        )
        switch operand {
        case .a: swifttensor_dpack_a6(from, stride, depth, to)
        case .transposedA(let panels):
          swifttensor_dpack_a6_transposed(from, stride, depth, panels, to)
        case .transposedB: return false
        case .b(let panels):
          let sums = sums.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Double.self) }
          swifttensor_dpack_b8(from, stride, depth, panels, to, sums)
        }
        return true
      }
    #endif
    return false
  }
}
