// The functions of `ElementwiseKernels.unary`, one type each, so that its loop is specialised
// for each and their vector instructions form the loop's body.

/// One function on vectors: the body of a loop of `ElementwiseKernels.unary`.
protocol UnaryVectorFunction {
  /// The scalar type of the vectors.
  associatedtype Scalar: TensorScalar
  /// The function, lane by lane.
  func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector
}

/// The unary functions, by name.
enum UnaryFunctions {
  struct Identity<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { x }
  }
  struct Negate<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { -x }
  }
  struct Exp<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      Scalar._vectorExp(x)
    }
  }
  struct Log<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      Scalar._vectorLog(x)
    }
  }
  struct Tanh<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      Scalar._vectorTanh(x)
    }
  }
  struct Sigmoid<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      Scalar._vectorSigmoid(x)
    }
  }
  struct SquareRoot<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      ElementwiseKernels.lanes(x) { $0.squareRoot() }
    }
  }
  /// `max(x, 0)`; `x < 0` is false for NaN, so NaN passes through.
  struct Relu<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      x.replacing(with: 0, where: vectorLess(x, .zero))
    }
  }
  struct Magnitude<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      ElementwiseKernels.lanes(x) { $0.magnitude }
    }
  }
  struct Square<Scalar: TensorScalar>: UnaryVectorFunction {
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { x * x }
  }
  struct Power<Scalar: TensorScalar>: UnaryVectorFunction {
    let exponent: Scalar
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector {
      ElementwiseKernels.lanes(x) { Scalar._pow($0, exponent) }
    }
  }
  struct AddScalar<Scalar: TensorScalar>: UnaryVectorFunction {
    let c: Scalar
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { x + c }
  }
  struct MultiplyScalar<Scalar: TensorScalar>: UnaryVectorFunction {
    let c: Scalar
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { x * c }
  }
  struct SubtractFromScalar<Scalar: TensorScalar>: UnaryVectorFunction {
    let c: Scalar
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { c - x }
  }
  struct DivideScalarBy<Scalar: TensorScalar>: UnaryVectorFunction {
    let c: Scalar
    @_transparent func callAsFunction(_ x: Scalar.Vector) -> Scalar.Vector { c / x }
  }
  struct Fill<Scalar: TensorScalar>: UnaryVectorFunction {
    let c: Scalar
    @_transparent func callAsFunction(_: Scalar.Vector) -> Scalar.Vector {
      Scalar.Vector(repeating: c)
    }
  }
}
