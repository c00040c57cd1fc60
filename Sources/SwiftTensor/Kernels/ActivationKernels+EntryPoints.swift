import SwiftTensorCKernels

// How generic code reaches `ActivationKernels`, as `TensorScalar+Kernels.swift` reaches the
// others: the inlinable dispatcher's `Self == Float` test is a constant once specialised, which
// leaves one direct call to an entry point the library compiled for that concrete type. Where
// a C kernel exists (the tanh GELU) and the CPU has AVX2+FMA, the entry point calls it. Large
// passes are split between the cores (`ElementwiseKernels.splitting`): a transformer's GELU
// over its 4x-wide hidden layer is compute-bound, and one core would run it alone.

extension TensorScalar {
  /// `destination[i] = operation(source[i])` for `count` contiguous elements (the buffers may
  /// be the same).
  @inlinable
  static func _activationKernel(
    _ operation: ActivationKernel<Self>, _ source: UnsafePointer<Self>,
    _ destination: UnsafeMutablePointer<Self>, count: Int
  ) {
    if Self.self == Float.self {
      FloatKernels.activation(
        reinterpret(operation), reinterpret(source), reinterpret(destination), count: count)
    } else if Self.self == Double.self {
      DoubleKernels.activation(
        reinterpret(operation), reinterpret(source), reinterpret(destination), count: count)
    } else {
      GenericKernels.activation(operation, source, destination, count: count)
    }
  }

  /// `dx[i] = operation'(x[i])·dy[i]` for `count` contiguous elements (`dx` may be `dy`).
  @inlinable
  static func _activationBackwardKernel(
    _ operation: ActivationKernel<Self>, _ x: UnsafePointer<Self>, _ dy: UnsafePointer<Self>,
    _ dx: UnsafeMutablePointer<Self>, count: Int
  ) {
    if Self.self == Float.self {
      FloatKernels.activationBackward(
        reinterpret(operation), reinterpret(x), reinterpret(dy), reinterpret(dx), count: count)
    } else if Self.self == Double.self {
      DoubleKernels.activationBackward(
        reinterpret(operation), reinterpret(x), reinterpret(dy), reinterpret(dx), count: count)
    } else {
      GenericKernels.activationBackward(operation, x, dy, dx, count: count)
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func activation(
    _ operation: ActivationKernel<Float>, _ source: UnsafePointer<Float>,
    _ destination: UnsafeMutablePointer<Float>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, y) = (source, destination)
    if splits
      && ElementwiseKernels.splitting(
        count, { activation(operation, x + $0, y + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return swifttensor_gelu_tanh_f32(source, destination, count)
      }
    #endif
    ActivationKernels.forward(operation, source, destination, count: count)
  }

  @usableFromInline
  static func activationBackward(
    _ operation: ActivationKernel<Float>, _ x: UnsafePointer<Float>,
    _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, dy, dx) = (x, dy, dx)
    if splits
      && ElementwiseKernels.splitting(
        count,
        { activationBackward(operation, x + $0, dy + $0, dx + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return swifttensor_gelu_tanh_backward_f32(x, dy, dx, count)
      }
    #endif
    ActivationKernels.backward(operation, x, dy, dx, count: count)
  }
}

extension DoubleKernels {
  @usableFromInline
  static func activation(
    _ operation: ActivationKernel<Double>, _ source: UnsafePointer<Double>,
    _ destination: UnsafeMutablePointer<Double>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, y) = (source, destination)
    if splits
      && ElementwiseKernels.splitting(
        count, { activation(operation, x + $0, y + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return swifttensor_gelu_tanh_f64(source, destination, count)
      }
    #endif
    ActivationKernels.forward(operation, source, destination, count: count)
  }

  @usableFromInline
  static func activationBackward(
    _ operation: ActivationKernel<Double>, _ x: UnsafePointer<Double>,
    _ dy: UnsafePointer<Double>, _ dx: UnsafeMutablePointer<Double>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, dy, dx) = (x, dy, dx)
    if splits
      && ElementwiseKernels.splitting(
        count,
        { activationBackward(operation, x + $0, dy + $0, dx + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return swifttensor_gelu_tanh_backward_f64(x, dy, dx, count)
      }
    #endif
    ActivationKernels.backward(operation, x, dy, dx, count: count)
  }
}

extension GenericKernels {
  @usableFromInline
  static func activation<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ source: UnsafePointer<S>,
    _ destination: UnsafeMutablePointer<S>, count: Int
  ) {
    ActivationKernels.forward(operation, source, destination, count: count)
  }

  @usableFromInline
  static func activationBackward<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ x: UnsafePointer<S>, _ dy: UnsafePointer<S>,
    _ dx: UnsafeMutablePointer<S>, count: Int
  ) {
    ActivationKernels.backward(operation, x, dy, dx, count: count)
  }
}

extension Tensor {
  /// The activation applied to every scalar, in one pass.
  @inlinable
  func activated(_ operation: ActivationKernel<Scalar>) -> Tensor {
    Tensor(shape: shape) { base in
      Scalar._activationKernel(operation, baseAddress, base, count: scalarCount)
    }
  }

  /// `operation'(x)·self`, this tensor being the output gradient: written into this tensor's
  /// buffer when nothing else shares it (a backward pass that owns `dy`), else into a new one.
  @inlinable
  consuming func activationGradient(
    _ operation: ActivationKernel<Scalar>, at x: Tensor, name: String
  ) -> Tensor {
    var gradient = consume self
    tensorPrecondition(
      x.shape == gradient.shape,
      "\(name): gradient shape \(gradient.shape) differs from input shape \(x.shape)")
    if isKnownUniquelyReferenced(&gradient.storage) {
      Scalar._activationBackwardKernel(
        operation, x.baseAddress, gradient.baseAddress, gradient.baseAddress,
        count: x.scalarCount)
      return gradient
    }
    return Tensor(shape: x.shape) { base in
      Scalar._activationBackwardKernel(
        operation, x.baseAddress, gradient.baseAddress, base, count: x.scalarCount)
    }
  }
}
