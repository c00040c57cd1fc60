/// Shape and stride bookkeeping shared by the strided kernels.
enum StridedLoops {
  /// Merges adjacent axes that every operand walks contiguously, and drops size-1 axes, so
  /// that common cases (same shape, a row broadcast) reach the kernels as one or two axes.
  ///
  /// `strides` holds one stride array per operand; the destination is contiguous and needs no
  /// entry. Returns at least one axis.
  static func collapse(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
    var newShape: [Int] = []
    var newStrides: [[Int]] = Array(repeating: [], count: strides.count)
    for axis in shape.indices where shape[axis] != 1 {
      if let lastSize = newShape.last,
        strides.indices.allSatisfy({ operand in
          newStrides[operand][newStrides[operand].count - 1] == strides[operand][axis] * shape[axis]
        })
      {
        newShape[newShape.count - 1] = lastSize * shape[axis]
        for operand in strides.indices {
          newStrides[operand][newStrides[operand].count - 1] = strides[operand][axis]
        }
      } else {
        newShape.append(shape[axis])
        for operand in strides.indices { newStrides[operand].append(strides[operand][axis]) }
      }
    }
    if newShape.isEmpty {
      return ([1], Array(repeating: [0], count: strides.count))
    }
    return (newShape, newStrides)
  }

  /// Calls `body` once per innermost row of `shape`, in row-major order, with each operand's
  /// offset and the destination's (contiguous) offset of that row.
  @inline(__always)
  static func forEachRow(
    shape: [Int], strides: [[Int]], _ body: (_ offsets: [Int], _ destination: Int) -> Void
  ) {
    let rank = shape.count
    let rowLength = shape[rank - 1]
    let rows = shape.dropLast().reduce(1, *)
    if rows == 0 || rowLength == 0 { return }
    var index = Array(repeating: 0, count: max(rank - 1, 0))
    var offsets = Array(repeating: 0, count: strides.count)
    for row in 0..<rows {
      body(offsets, row * rowLength)
      // Advance the odometer over the outer axes.
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        for operand in strides.indices { offsets[operand] += strides[operand][axis] }
        if index[axis] < shape[axis] { break }
        for operand in strides.indices {
          offsets[operand] -= strides[operand][axis] * shape[axis]
        }
        index[axis] = 0
        axis -= 1
      }
    }
  }
}

extension UnsafePointer where Pointee: TensorScalar {
  /// Loads one vector from possibly unaligned memory.
  @inline(__always)
  func loadVector(at offset: Int) -> Pointee.Vector {
    UnsafeRawPointer(self + offset).loadUnaligned(as: Pointee.Vector.self)
  }

  /// Loads `count` (< vector width) elements into the low lanes of a vector filled with `fill`.
  @inline(__always)
  func loadPartialVector(at offset: Int, count: Int, fill: Pointee) -> Pointee.Vector {
    var vector = Pointee.Vector(repeating: fill)
    for lane in 0..<count { vector[lane] = self[offset + lane] }
    return vector
  }
}

extension UnsafeMutablePointer where Pointee: TensorScalar {
  /// Stores one vector to possibly unaligned memory.
  @inline(__always)
  func storeVector(_ vector: Pointee.Vector, at offset: Int) {
    UnsafeMutableRawPointer(self + offset).storeBytes(of: vector, as: Pointee.Vector.self)
  }

  /// Stores the low `count` lanes of `vector`.
  @inline(__always)
  func storePartialVector(_ vector: Pointee.Vector, at offset: Int, count: Int) {
    for lane in 0..<count { self[offset + lane] = vector[lane] }
  }
}
