import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The convolutions' backward passes against central differences, in Float and Double, each
/// on generated cases (`forAll`): every setting (stride, explicit and "same" padding, dilation,
/// groups, with and without bias) through the recorded spelling and through `apply(to:)`.
@Suite struct ConvolutionGradientTests {
  /// A convolution case: input, weight, optional bias and settings that fit them.
  struct Case<T: TensorScalar> {
    var input: Tensor<T>, weight: Tensor<T>, bias: Tensor<T>?
    var settings: ConvolutionSettings
  }

  /// Cases of `spatialAxes` axes: batch 1-2, 1-2 groups of 1-2 input and 1-2 output channels,
  /// kernel 1-3, stride 1-2, dilation 1-2, padding 0-2 or "same" (stride 1), sizes 1-6 that fit.
  func cases<T: TensorScalar>(_ type: T.Type, spatialAxes: Int) -> Gen<Case<T>> {
    let one2 = Gen.int(in: 1...2)
    let counts = zip(zip(one2, one2), zip(one2, one2))
    let window = zip(zip(Gen.int(in: 1...3), one2), zip(one2, Gen.int(in: 0...3)))
    return zip(counts, window, Gen.bool).flatMap { counts, window, hasBias in
      let ((batch, groups), (perGroupIn, perGroupOut)) = counts
      let ((kernel, strideChoice), (dilation, paddingChoice)) = window
      let same = paddingChoice == 3
      let stride = same ? 1 : strideChoice
      let padding = same ? 0 : paddingChoice
      let extent = dilation * (kernel - 1) + 1
      let lower = same ? 1 : Swift.max(1, extent - 2 * padding)
      return Gen.int(in: lower...Swift.max(lower, 6)).array(count: spatialAxes).flatMap { sizes in
        let inChannels = groups * perGroupIn
        let outChannels = groups * perGroupOut
        let input = Gen.tensor(type, shape: [batch, inChannels] + sizes)
        let kernelShape = Array(repeating: kernel, count: spatialAxes)
        let weight = Gen.tensor(type, shape: [outChannels, perGroupIn] + kernelShape)
        let bias = Gen.tensor(type, shape: [outChannels])
        return zip(input, weight, bias).map { x, w, b in
          Case(
            input: x, weight: w, bias: hasBias ? b : nil,
            settings: ConvolutionSettings(
              spatialAxes: spatialAxes, stride: [stride],
              padding: same ? .same : .explicit([padding]), dilation: [dilation],
              groups: groups))
        }
      }
    }
  }

  func check<T: TensorScalar>(_ type: T.Type, spatialAxes: Int) throws {
    try forAll(cases(type, spatialAxes: spatialAxes), cases: 60) { c in
      let inputs = [c.input, c.weight] + (c.bias.map { [$0] } ?? [])
      try expectGradient(of: Convolution<T>(c.settings), at: inputs)
      // Through the spelling (the check projects the output on a random tensor, so the
      // incoming gradient is not all ones; squaring it here instead made the Float finite
      // differences of a sum in the thousands too coarse for the tolerance).
      try expectGradient(at: inputs) { v in
        let s = c.settings
        return spatialAxes == 1
          ? v[0].conv1d(
            v[1], bias: v.count == 3 ? v[2] : nil, stride: s.stride[0], padding: s.padding,
            dilation: s.dilation[0], groups: s.groups)
          : v[0].conv2d(
            v[1], bias: v.count == 3 ? v[2] : nil, stride: s.stride, padding: s.padding,
            dilation: s.dilation, groups: s.groups)
      }
    }
  }

  @Test func conv1dFloat() throws { try check(Float.self, spatialAxes: 1) }
  @Test func conv1dDouble() throws { try check(Double.self, spatialAxes: 1) }
  @Test func conv2dFloat() throws { try check(Float.self, spatialAxes: 2) }
  @Test func conv2dDouble() throws { try check(Double.self, spatialAxes: 2) }

  /// Rectangular kernels, strides and dilations, and depthwise groups, in 2-D.
  func rectangular<T: TensorScalar>(_ type: T.Type) throws {
    let gen = zip(Gen.tensor(type, shape: [2, 4, 5, 7]), Gen.tensor(type, shape: [8, 1, 2, 3]))
    try forAll(gen, cases: 20) { x, w in
      try expectGradient(at: [x, w]) {
        $0[0].conv2d(
          $0[1], stride: [2, 1], padding: .explicit([1, 2]), dilation: [1, 2], groups: 4)
      }
    }
  }

  @Test func rectangularFloat() throws { try rectangular(Float.self) }
  @Test func rectangularDouble() throws { try rectangular(Double.self) }

  /// Activations fused into the convolution (smooth ones: finite differences across relu's
  /// kink would not be a fair test; relu is compared with the unfused chain elsewhere).
  func fused<T: TensorScalar>(_ type: T.Type) throws {
    let gen = zip(Gen.tensor(type, shape: [2, 2, 4, 5]), Gen.tensor(type, shape: [3, 2, 3, 2]))
    try forAll(gen, Gen.bool, cases: 20) { tensors, useTanh in
      let (x, w) = tensors
      try expectGradient(
        of: Convolution<T>(
          ConvolutionSettings(spatialAxes: 2, padding: 1),
          activation: useTanh ? .tanh : .sigmoid), at: [x, w])
    }
  }

  @Test func fusedActivationFloat() throws { try fused(Float.self) }
  @Test func fusedActivationDouble() throws { try fused(Double.self) }
}
