import SwiftTensorCKernels

// The forward pass of an activation that also leaves its derivative behind, for a layer that
// keeps the derivative rather than the input for its backward pass (`AffineTransform` with
// GELU): the tanh GELU's derivative needs the same tanh as its value, so computing both in one
// pass evaluates it once per element instead of once in each direction.

extension TensorScalar {
  /// `y[i] = operation(x[i])` and `x[i] = operation'(x[i])` for `count` contiguous elements
  /// (`x` and `y` must not overlap).
  @inlinable
  static func _activationSlopeKernel(
    _ operation: ActivationKernel<Self>, _ x: UnsafeMutablePointer<Self>,
    _ y: UnsafeMutablePointer<Self>, count: Int
  ) {
    if Self.self == Float.self {
      FloatKernels.activationSlope(
        reinterpret(operation), reinterpret(x), reinterpret(y), count: count)
    } else if Self.self == Double.self {
      DoubleKernels.activationSlope(
        reinterpret(operation), reinterpret(x), reinterpret(y), count: count)
    } else {
      GenericKernels.activationSlope(operation, x, y, count: count)
    }
  }
}

extension GenericKernels {
  @usableFromInline
  static func activationSlope<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ x: UnsafeMutablePointer<S>,
    _ y: UnsafeMutablePointer<S>, count: Int
  ) {
    ActivationKernels.slope(operation, x, y, count: count)
  }
}

extension ActivationKernels {
  /// `y = f(x)`, then `x = f'(x)` in place, a chunk at a time (the derivative of the backward
  /// kernel with an output gradient of ones). O(count).
  static func slope<S: TensorScalar>(
    _ operation: ActivationKernel<S>, _ x: UnsafeMutablePointer<S>,
    _ y: UnsafeMutablePointer<S>, count: Int
  ) {
    forward(operation, x, y, count: count)
    let chunk = 256
    withUnsafeTemporaryAllocation(of: S.self, capacity: chunk) { ones in
      let ones = ones.baseAddress.unsafelyUnwrapped
      ones.initialize(repeating: 1, count: chunk)
      var start = 0
      while start < count {
        let length = Swift.min(chunk, count - start)
        backward(operation, x + start, ones, x + start, count: length)
        start += length
      }
    }
  }
}

extension FloatKernels {
  @usableFromInline
  static func activationSlope(
    _ operation: ActivationKernel<Float>, _ x: UnsafeMutablePointer<Float>,
    _ y: UnsafeMutablePointer<Float>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, y) = (x, y)
    if splits
      && ElementwiseKernels.splitting(
        count, { activationSlope(operation, x + $0, y + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return geluTanhSlopeC(x, y, count: count, avx512: CPU.hasAVX512F)
      }
    #endif
    ActivationKernels.slope(operation, x, y, count: count)
  }

  #if arch(x86_64)
    /// The tanh GELU's values into `y` and derivatives into `x` by the AVX-512 C loop when
    /// `avx512` (16 lanes, 1.6-2x faster), else the AVX2 one; both give the same bits.
    static func geluTanhSlopeC(
      _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
      avx512: Bool
    ) {
      if avx512 {
        swifttensor_gelu_tanh_slope_f32_avx512(x, y, count)
      } else {
        swifttensor_gelu_tanh_slope_f32(x, y, count)
      }
    }
  #endif
}

extension DoubleKernels {
  @usableFromInline
  static func activationSlope(
    _ operation: ActivationKernel<Double>, _ x: UnsafeMutablePointer<Double>,
    _ y: UnsafeMutablePointer<Double>, count: Int, splits: Bool = true
  ) {
    nonisolated(unsafe) let (x, y) = (x, y)
    if splits
      && ElementwiseKernels.splitting(
        count, { activationSlope(operation, x + $0, y + $0, count: $1, splits: false) })
    {
      return
    }
    #if arch(x86_64)
      if case .geluTanh = operation, CPU.hasAVX2FMA {
        return swifttensor_gelu_tanh_slope_f64(x, y, count)
      }
    #endif
    ActivationKernels.slope(operation, x, y, count: count)
  }
}

extension Tensor {
  /// The activation of every scalar as a new tensor, this tensor's scalars replaced by the
  /// activation's derivative at them (copied first if its buffer is shared). O(count).
  @inlinable
  mutating func activatedLeavingSlope(_ operation: ActivationKernel<Scalar>) -> Tensor {
    if !isKnownUniquelyReferenced(&storage) {
      let source = baseAddress
      self = Tensor(shape: shape) { $0.update(from: source, count: scalarCount) }
    }
    let x = baseAddress
    let count = scalarCount
    return Tensor(shape: shape) { y in Scalar._activationSlopeKernel(operation, x, y, count: count)
    }
  }
}
