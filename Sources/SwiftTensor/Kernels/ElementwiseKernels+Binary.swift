// Binary element-wise loops. Each operation is a type whose static `apply` the loop is
// specialised for, so a loop's body is the operation's few vector instructions: a closure per
// operation was left as a call per vector, and a switch inside the loop as a jump per vector.

/// One binary operation on vectors: the body of a loop of `ElementwiseKernels.binary`.
protocol BinaryVectorOperation: SendableMetatype {
  /// `a op b`, lane by lane.
  static func apply<S: TensorScalar>(_ a: S.Vector, _ b: S.Vector, _: S.Type) -> S.Vector
}

extension ElementwiseKernels {
  /// `destination = lhs op rhs` over `shape`, reading the operands through strides (a stride
  /// of 0 broadcasts); empty stride arrays mean both are contiguous with `shape`. Contiguous
  /// passes of `parallelCount` scalars or more are split between the cores. O(elements).
  static func binary<S: TensorScalar>(
    _ operation: BinaryKernel, _ lhs: UnsafePointer<S>, lhsStrides: [Int],
    _ rhs: UnsafePointer<S>, rhsStrides: [Int],
    _ destination: UnsafeMutablePointer<S>, shape: [Int]
  ) {
    @inline(__always)
    func run<Op: BinaryVectorOperation>(_ op: Op.Type) {
      binary(op, lhs, lhsStrides, rhs, rhsStrides, destination, shape)
    }
    switch operation {
    case .add: run(BinaryOperations.Add.self)
    case .subtract: run(BinaryOperations.Subtract.self)
    case .multiply: run(BinaryOperations.Multiply.self)
    case .divide: run(BinaryOperations.Divide.self)
    case .power: run(BinaryOperations.Power.self)
    case .maximum: run(BinaryOperations.Maximum.self)
    case .minimum: run(BinaryOperations.Minimum.self)
    case .equal: run(BinaryOperations.Equal.self)
    case .notEqual: run(BinaryOperations.NotEqual.self)
    case .less: run(BinaryOperations.Less.self)
    case .lessOrEqual: run(BinaryOperations.LessOrEqual.self)
    case .greater: run(BinaryOperations.Greater.self)
    case .greaterOrEqual: run(BinaryOperations.GreaterOrEqual.self)
    case .tanhBackward: run(BinaryOperations.TanhBackward.self)
    case .sigmoidBackward: run(BinaryOperations.SigmoidBackward.self)
    case .reluBackward: run(BinaryOperations.ReluBackward.self)
    }
  }

  private static func binary<S: TensorScalar, Op: BinaryVectorOperation>(
    _ op: Op.Type, _ lhs: UnsafePointer<S>, _ lhsStrides: [Int], _ rhs: UnsafePointer<S>,
    _ rhsStrides: [Int], _ destination: UnsafeMutablePointer<S>, _ shape: [Int]
  ) {
    // The common case needs no stride bookkeeping (and so no array allocations).
    if lhsStrides.isEmpty && rhsStrides.isEmpty {
      let count = shape.reduce(1, *)
      nonisolated(unsafe) let (a, b, c) = (lhs, rhs, destination)
      let split = splitting(count) { start, part in
        zipRow(op, a + start, 1, b + start, 1, c + start, part)
      }
      if !split { zipRow(op, lhs, 1, rhs, 1, destination, count) }
      return
    }
    let (shape, strides) = StridedLoops.collapse(
      shape: shape, strides: [lhsStrides, rhsStrides])
    let inner = shape.count - 1  // collapse returns at least one axis
    StridedLoops.forEachRow(shape: shape, strides: strides) { offsets, d in
      zipRow(
        op, lhs + offsets[0], strides[0][inner], rhs + offsets[1], strides[1][inner],
        destination + d, shape[inner])
    }
  }

  /// One row of a binary operation; a stride of 0 broadcasts that operand's element.
  @inline(__always)
  private static func zipRow<S: TensorScalar, Op: BinaryVectorOperation>(
    _: Op.Type, _ a: UnsafePointer<S>, _ strideA: Int, _ b: UnsafePointer<S>, _ strideB: Int,
    _ d: UnsafeMutablePointer<S>, _ count: Int
  ) {
    let width = S.Vector.scalarCount
    // Pad tails with 1 so that a division in the unused lanes cannot trap or denormalise.
    @inline(__always)
    func load(_ p: UnsafePointer<S>, _ stride: Int, _ i: Int, _ n: Int) -> S.Vector {
      if stride == 0 { return S.Vector(repeating: p[0]) }
      if stride == 1 {
        return n == width ? p.loadVector(at: i) : p.loadPartialVector(at: i, count: n, fill: 1)
      }
      var v = S.Vector(repeating: 1)
      for lane in 0..<n { v[lane] = p[(i + lane) * stride] }
      return v
    }
    var i = 0
    if strideA == 1 && strideB == 1 {
      while i + width <= count {
        d.storeVector(Op.apply(a.loadVector(at: i), b.loadVector(at: i), S.self), at: i)
        i += width
      }
    } else {
      while i + width <= count {
        d.storeVector(
          Op.apply(load(a, strideA, i, width), load(b, strideB, i, width), S.self), at: i)
        i += width
      }
    }
    if i + 1 == count {
      // A lone element: broadcast, as in `map`.
      let (x, y) = (S.Vector(repeating: a[i * strideA]), S.Vector(repeating: b[i * strideB]))
      d[i] = Op.apply(x, y, S.self)[0]
    } else if i < count {
      let rest = count - i
      d.storePartialVector(
        Op.apply(load(a, strideA, i, rest), load(b, strideB, i, rest), S.self), at: i,
        count: rest)
    }
  }

  /// 1 in the lanes of `mask`, else 0.
  @inline(__always)
  static func indicator<S: TensorScalar>(
    _ mask: SIMDMask<S.Vector.MaskStorage>, _: S.Type
  ) -> S.Vector {
    S.Vector(repeating: 0).replacing(with: 1, where: mask)
  }
}

/// The binary operations, by name.
enum BinaryOperations {
  enum Add: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { a + b }
  }
  enum Subtract: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { a - b }
  }
  enum Multiply: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { a * b }
  }
  enum Divide: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { a / b }
  }
  enum Power: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.lanes(a, b, S._pow) }
  }
  /// The larger of `a` and `b`; NaN if either is.
  enum Maximum: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector {
      ElementwiseKernels.propagateNaN(a, b, a.replacing(with: b, where: vectorLess(a, b)))
    }
  }
  /// The smaller of `a` and `b`; NaN if either is.
  enum Minimum: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector {
      ElementwiseKernels.propagateNaN(a, b, a.replacing(with: b, where: vectorLess(b, a)))
    }
  }
  enum Equal: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorEqual(a, b), S.self) }
  }
  enum NotEqual: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorNotEqual(a, b), S.self) }
  }
  enum Less: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorLess(a, b), S.self) }
  }
  enum LessOrEqual: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorLessOrEqual(a, b), S.self) }
  }
  enum Greater: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorLess(b, a), S.self) }
  }
  enum GreaterOrEqual: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { ElementwiseKernels.indicator(vectorLessOrEqual(b, a), S.self) }
  }
  /// `b·(1 - a²)`, `a` tanh's output.
  enum TanhBackward: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { b * (S.Vector(repeating: 1) - a * a) }
  }
  /// `b·a·(1 - a)`, `a` the sigmoid's output.
  enum SigmoidBackward: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector { b * a * (S.Vector(repeating: 1) - a) }
  }
  /// `b` where `a > 0`, else 0.
  enum ReluBackward: BinaryVectorOperation {
    @_transparent static func apply<S: TensorScalar>(
      _ a: S.Vector, _ b: S.Vector, _: S.Type
    ) -> S.Vector {
      let zero = S.Vector(repeating: 0)
      return zero.replacing(with: b, where: vectorLess(zero, a))
    }
  }
}
