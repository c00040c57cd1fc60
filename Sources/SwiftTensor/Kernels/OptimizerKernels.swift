import SwiftTensorCKernels

/// Fused, in-place optimiser updates: one pass over parameters, gradients and state, with no
/// temporary tensors, so a step allocates nothing.
enum OptimizerKernels {
  /// Plain SGD with the AVX2+FMA C kernel, for `Float` and `Double` on a CPU that has it;
  /// returns false, having done nothing, otherwise. O(count).
  @inline(__always)
  static func sgdC<S: TensorScalar>(
    _ p: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, count: Int, learningRate: S,
    weightDecay: S
  ) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA else { return false }
      // `S.self == Float.self` is a constant in each specialisation, so only one branch remains.
      if S.self == Float.self {
        swifttensor_sgd_f32(
          UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self),
          UnsafeRawPointer(g).assumingMemoryBound(to: Float.self), count, Float(learningRate),
          Float(weightDecay))
        return true
      }
      if S.self == Double.self {
        swifttensor_sgd_f64(
          UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self),
          UnsafeRawPointer(g).assumingMemoryBound(to: Double.self), count, Double(learningRate),
          Double(weightDecay))
        return true
      }
    #endif
    return false
  }

  /// Adam with the AVX2+FMA C kernel (see `swifttensor_adam_f32`), for `Float` and `Double` on
  /// a CPU that has it; returns false, having done nothing, otherwise. O(count).
  @inline(__always)
  static func adamC<S: TensorScalar>(
    _ p: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>, _ m: UnsafeMutablePointer<S>,
    _ s: UnsafeMutablePointer<S>, count: Int, beta1: S, beta2: S, stepSize: S, correction2: S,
    epsilon: S, l2: S, decoupled: S
  ) -> Bool {
    #if arch(x86_64)
      guard CPU.hasAVX2FMA else { return false }
      if S.self == Float.self {
        func cast(_ x: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
          UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
        }
        swifttensor_adam_f32(
          cast(p), UnsafeRawPointer(g).assumingMemoryBound(to: Float.self), cast(m), cast(s),
          count, Float(beta1), Float(beta2), Float(stepSize), Float(correction2), Float(epsilon),
          Float(l2), Float(decoupled))
        return true
      }
      if S.self == Double.self {
        func cast(_ x: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Double> {
          UnsafeMutableRawPointer(x).assumingMemoryBound(to: Double.self)
        }
        swifttensor_adam_f64(
          cast(p), UnsafeRawPointer(g).assumingMemoryBound(to: Double.self), cast(m), cast(s),
          count, Double(beta1), Double(beta2), Double(stepSize), Double(correction2),
          Double(epsilon), Double(l2), Double(decoupled))
        return true
      }
    #endif
    return false
  }

  /// Runs `rule` on a parameter tensor in place from its gradient, reading and writing the
  /// rule's state tensors (`first` for momentum or the first moment, `second` for the second
  /// moment; `nil` where the rule has none). Each state tensor is moved out of its optional
  /// while it is written, so a uniquely referenced buffer is updated without a copy. O(count).
  static func update<S: TensorScalar>(
    _ rule: UpdateRule<S>, _ parameter: inout Tensor<S>, _ gradient: Tensor<S>,
    first: inout Tensor<S>?, second: inout Tensor<S>?
  ) {
    gradient.withUnsafeBufferPointer { g in
      parameter.withUnsafeMutableBufferPointer { p in
        withOptionalMutablePointer(&first) { m in
          withOptionalMutablePointer(&second) { s in
            guard let pBase = p.baseAddress, let gBase = g.baseAddress else { return }
            update(rule, pBase, gBase, first: m, second: s, count: p.count)
          }
        }
      }
    }
  }

  /// Multiplies every element of `tensor` by `scale` in place. O(count).
  static func scale<S: TensorScalar>(_ tensor: inout Tensor<S>, by scale: S) {
    tensor.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      S._unaryKernel(.multiplyScalar(scale), base, base, count: buffer.count)
    }
  }

  /// Calls `body` with the base address of `tensor`'s buffer, or `nil` when there is none.
  private static func withOptionalMutablePointer<S: TensorScalar, R>(
    _ tensor: inout Tensor<S>?, _ body: (UnsafeMutablePointer<S>?) -> R
  ) -> R {
    guard var value = tensor else { return body(nil) }
    tensor = nil
    defer { tensor = value }
    return value.withUnsafeMutableBufferPointer { body($0.baseAddress) }
  }

  /// The update over raw buffers, which may not overlap.
  static func update<S: TensorScalar>(
    _ rule: UpdateRule<S>, _ p: UnsafeMutablePointer<S>, _ g: UnsafePointer<S>,
    first: UnsafeMutablePointer<S>?, second: UnsafeMutablePointer<S>?, count: Int
  ) {
    switch rule {
    case .sgd(let lr, let momentum, let nesterov, let wd):
      guard momentum != 0, let v = first else {
        if sgdC(p, g, count: count, learningRate: lr, weightDecay: wd) { return }
        for i in 0..<count { p[i] -= lr * (g[i] + wd * p[i]) }
        return
      }
      for i in 0..<count {
        let gradient = g[i] + wd * p[i]
        v[i] = momentum * v[i] + gradient
        p[i] -= lr * (nesterov ? gradient + momentum * v[i] : v[i])
      }
    case .adam(let lr, let b1, let b2, let eps, let c1, let c2, let wd, let decoupled):
      guard let m = first, let s = second else {
        preconditionFailure("Adam: the update needs both moment buffers")
      }
      let stepSize = lr / c1
      if adamC(
        p, g, m, s, count: count, beta1: b1, beta2: b2, stepSize: stepSize, correction2: c2,
        epsilon: eps, l2: decoupled ? 0 : wd, decoupled: decoupled ? lr * wd : 0)
      {
        return
      }
      for i in 0..<count {
        let gradient = decoupled ? g[i] : g[i] + wd * p[i]
        m[i] = b1 * m[i] + (1 - b1) * gradient
        s[i] = b2 * s[i] + (1 - b2) * gradient * gradient
        if decoupled { p[i] -= lr * wd * p[i] }
        p[i] -= stepSize * m[i] / ((s[i] / c2).squareRoot() + eps)
      }
    case .rmsProp(let lr, let rho, let eps, let wd):
      guard let s = first else { preconditionFailure("RMSProp: the update needs its buffer") }
      for i in 0..<count {
        let gradient = g[i] + wd * p[i]
        s[i] = rho * s[i] + (1 - rho) * gradient * gradient
        p[i] -= lr * gradient / (s[i].squareRoot() + eps)
      }
    case .adaGrad(let lr, let eps, let wd):
      guard let s = first else { preconditionFailure("AdaGrad: the update needs its buffer") }
      for i in 0..<count {
        let gradient = g[i] + wd * p[i]
        s[i] += gradient * gradient
        p[i] -= lr * gradient / (s[i].squareRoot() + eps)
      }
    }
  }
}
