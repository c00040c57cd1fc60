import Testing

@testable import SwiftTensor

/// The convolutions against numpy in float64 (`Fixtures/numpy_convolution.py` wrote
/// `NumpyConvolutionFixtures.swift`): output and the gradients of input, weight and bias for
/// every case, in Float and Double, recorded on a tape; and two cases through the layers.
@Suite struct NumpyConvolutionTests {
  typealias Fixture = (shape: [Int], scalars: [Double])

  func tensor<T: TensorScalar>(_ fixture: Fixture, _: T.Type) -> Tensor<T> {
    Tensor(shape: fixture.shape, scalars: fixture.scalars.map { T($0) })
  }

  /// Expects `actual` to have the fixture's shape and each scalar to lie within the tolerance
  /// of `T` (1e-10 in Double, 1e-4 in Float), relative to the larger of 1 and the expected
  /// scalar's magnitude.
  func expectClose<T: TensorScalar>(
    _ actual: Tensor<T>?, _ expected: Fixture, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let actual else {
      Issue.record("\(what) in \(T.self): missing", sourceLocation: sourceLocation)
      return
    }
    #expect(
      actual.shape == expected.shape,
      "\(what) in \(T.self): shape \(actual.shape), expected \(expected.shape)",
      sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let tolerance = T.self == Double.self ? 1e-10 : 1e-4
    let errors = zip(actual.scalars, expected.scalars).map { pair in
      Swift.abs(Double(pair.0) - pair.1) / Swift.max(1, Swift.abs(pair.1))
    }
    let worst = errors.indices.max { errors[$0] < errors[$1] }
    let message = worst.map { "worst relative error \(errors[$0]) at flat index \($0)" } ?? ""
    #expect(
      worst.map { errors[$0] <= tolerance } ?? true, "\(what) in \(T.self): \(message)",
      sourceLocation: sourceLocation)
  }

  /// The case's padding as the API takes it.
  func padding(_ c: ConvolutionReferenceCase) -> ConvolutionPadding {
    c.same ? .same : .explicit(c.padding)
  }

  /// Runs one case on a tape, backpropagates `(y * dy).sum()` and checks the four results.
  func check<T: TensorScalar>(_ c: ConvolutionReferenceCase, _ type: T.Type) {
    let tape = Tape<T>()
    let x = tape.variable(tensor(c.input, type))
    let w = tape.variable(tensor(c.weight, type))
    let b = c.bias.map { tape.variable(tensor($0, type)) }
    let y =
      c.input.shape.count == 3
      ? x.conv1d(
        w, bias: b, stride: c.stride[0], padding: padding(c), dilation: c.dilation[0],
        groups: c.groups)
      : x.conv2d(
        w, bias: b, stride: c.stride, padding: padding(c), dilation: c.dilation,
        groups: c.groups)
    let output = y.value
    (y * Variable(tensor(c.outputGradient, type), trainable: false)).sum().backward()
    expectClose(output, c.output, "\(c.name): output")
    expectClose(x.gradient, c.inputGradient, "\(c.name): input gradient")
    expectClose(w.gradient, c.weightGradient, "\(c.name): weight gradient")
    if let biasGradient = c.biasGradient {
      expectClose(b?.gradient, biasGradient, "\(c.name): bias gradient")
    } else {
      #expect(b == nil, "\(c.name): the case has no bias")
    }
  }

  @Test func everyCaseMatchesNumpyInFloat() {
    for c in NumpyConvolutionReference.cases { check(c, Float.self) }
  }

  /// Every case in Double; the cases cover both ranks, both "same" kernels (odd and even),
  /// strides, dilations, groups (depthwise too) and convolutions without bias.
  @Test func everyCaseMatchesNumpyInDouble() {
    let cases = NumpyConvolutionReference.cases
    #expect(cases.count == 15)
    #expect(cases.contains { $0.input.shape.count == 3 && $0.same })
    #expect(cases.contains { $0.input.shape.count == 4 && $0.same })
    #expect(cases.contains { $0.stride.contains { $0 > 1 } })
    #expect(cases.contains { $0.dilation.contains { $0 > 1 } })
    #expect(cases.contains { $0.groups > 1 && $0.groups == $0.input.shape[1] })
    #expect(cases.contains { $0.bias == nil })
    for c in cases { check(c, Double.self) }
  }

  func referenceCase(_ name: String) throws -> ConvolutionReferenceCase {
    try #require(NumpyConvolutionReference.cases.first { $0.name == name }, "no case \(name)")
  }

  /// Runs `layer` on the case's input on a tape, with its weight and bias set to the case's,
  /// and checks the output and the parameters' gradients.
  func checkLayer<L: Layer>(
    _ layer: L, weight: Variable<Double>, bias: Variable<Double>?, _ c: ConvolutionReferenceCase
  ) where L.Scalar == Double, L.Input == Variable<Double>, L.Output == Variable<Double> {
    weight.value = tensor(c.weight, Double.self)
    if let bias, let values = c.bias { bias.value = tensor(values, Double.self) }
    let tape = Tape<Double>()
    let x = tape.variable(tensor(c.input, Double.self))
    let y = layer(x, context: LayerContext(isTraining: true, seed: 0))
    let output = y.value
    (y * Variable(tensor(c.outputGradient, Double.self), trainable: false)).sum().backward()
    expectClose(output, c.output, "\(c.name) through the layer: output")
    expectClose(x.gradient, c.inputGradient, "\(c.name) through the layer: input gradient")
    expectClose(weight.gradient, c.weightGradient, "\(c.name) through the layer: weight gradient")
    if let biasGradient = c.biasGradient {
      expectClose(bias?.gradient, biasGradient, "\(c.name) through the layer: bias gradient")
    }
  }

  @Test func conv1DLayerMatchesNumpy() throws {
    let c = try referenceCase("conv1d_same_dilation2_groups2_no_bias")
    let layer = Conv1D<Double>(
      4, 6, kernelSize: 3, padding: .same, dilation: 2, groups: 2, bias: false, seed: 1)
    #expect(layer.weight.value.shape == c.weight.shape)
    #expect(layer.bias == nil)
    checkLayer(layer, weight: layer.weight, bias: layer.bias, c)
  }

  @Test func conv2DLayerMatchesNumpy() throws {
    let c = try referenceCase("conv2d_mixed_stride_padding_dilation_groups")
    let layer = Conv2D<Double>(
      4, 4, kernelSize: [3, 2], stride: [1, 2], padding: .explicit([2, 1]), dilation: [2, 1],
      groups: 2, seed: 1)
    #expect(layer.weight.value.shape == c.weight.shape)
    checkLayer(layer, weight: layer.weight, bias: layer.bias, c)
  }
}
