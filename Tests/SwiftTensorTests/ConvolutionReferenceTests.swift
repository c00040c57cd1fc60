import Testing

@testable import SwiftTensor

/// Convolution against a direct definition computed here in Double with plain loops (no
/// column matrix, no GEMM): forward and all three gradients, on shapes large enough to take
/// the threaded and the pointwise paths of the kernels.
@Suite struct ConvolutionReferenceTests {
  /// Output, and the gradients for an upstream gradient `dy`, of a 2-D convolution written
  /// as its definition; `before` is the padding before each axis.
  static func reference(
    x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>?, dy: Tensor<Double>,
    stride: [Int], before: [Int], dilation: [Int], groups: Int
  ) -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let (oh, ow) = (dy.shape[2], dy.shape[3])
    let og = o / groups
    let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
    var y = [Double](repeating: 0, count: n * o * oh * ow)
    var dx = [Double](repeating: 0, count: xs.count)
    var dw = [Double](repeating: 0, count: ws.count)
    var db = [Double](repeating: 0, count: o)
    for s in 0..<n {
      for oc in 0..<o {
        for i in 0..<oh {
          for j in 0..<ow {
            let out = ((s * o + oc) * oh + i) * ow + j
            var sum = b?.scalars[oc] ?? 0
            db[oc] += dys[out]
            for ci in 0..<cg {
              let channel = (oc / og) * cg + ci
              for a in 0..<kh {
                for e in 0..<kw {
                  let r = i * stride[0] - before[0] + a * dilation[0]
                  let q = j * stride[1] - before[1] + e * dilation[1]
                  guard r >= 0 && r < h && q >= 0 && q < wd else { continue }
                  let xi = ((s * c + channel) * h + r) * wd + q
                  let wi = ((oc * cg + ci) * kh + a) * kw + e
                  sum += ws[wi] * xs[xi]
                  dx[xi] += ws[wi] * dys[out]
                  dw[wi] += xs[xi] * dys[out]
                }
              }
            }
            y[out] = sum
          }
        }
      }
    }
    return (y, dx, dw, db)
  }

  /// Checks `conv2d` in `T` against the reference for one setting, recording on a tape.
  func check<T: TensorScalar>(
    _ type: T.Type, input: [Int], weight: [Int], stride: [Int] = [1, 1],
    padding: ConvolutionPadding = .valid, dilation: [Int] = [1, 1], groups: Int = 1,
    tolerance: Double
  ) throws {
    let x = Tensor<Double>.random(shape: input, lower: -1, upper: 1, seed: 1)
    let w = Tensor<Double>.random(shape: weight, lower: -1, upper: 1, seed: 2)
    let b = Tensor<Double>.random(shape: [weight[0]], lower: -1, upper: 1, seed: 3)
    let tape = Tape<T>()
    let (vx, vw, vb) = (tape.variable(cast(x)), tape.variable(cast(w)), tape.variable(cast(b)))
    let y = vx.conv2d(
      vw, bias: vb, stride: stride, padding: padding, dilation: dilation, groups: groups)
    let dy = Tensor<Double>.random(shape: y.value.shape, lower: -1, upper: 1, seed: 4)
    (y * Variable(cast(dy), trainable: false)).sum().backward()
    let kernel = [weight[2], weight[3]]
    let settings = ConvolutionSettings(
      spatialAxes: 2, stride: stride, padding: padding, dilation: dilation, groups: groups)
    let expected = Self.reference(
      x: x, w: w, b: b, dy: dy, stride: settings.stride,
      before: settings.padding(kernel: kernel).before, dilation: settings.dilation,
      groups: groups)
    let (dx, dw, db) = (
      try #require(vx.gradient), try #require(vw.gradient), try #require(vb.gradient)
    )
    for (name, actual, wanted) in [
      ("output", y.value, expected.y), ("dx", dx, expected.dx), ("dw", dw, expected.dw),
      ("db", db, expected.db),
    ] {
      let error = zip(actual.scalars, wanted).map { abs(Double($0) - $1) }.max() ?? 0
      #expect(error <= tolerance, "\(T.self) \(name) of \(input) ⊛ \(weight): error \(error)")
    }
  }

  func cast<T: TensorScalar>(_ tensor: Tensor<Double>) -> Tensor<T> {
    Tensor(shape: tensor.shape, scalars: tensor.scalars.map { T($0) })
  }

  @Test func threadedBatchOfThreeByThree() throws {
    // 8·16·27·144 multiply-adds per sample, well above the threshold for sharing samples.
    try check(
      Double.self, input: [8, 3, 12, 12], weight: [16, 3, 3, 3], padding: 1, tolerance: 1e-12)
    try check(
      Float.self, input: [8, 3, 12, 12], weight: [16, 3, 3, 3], padding: 1, tolerance: 1e-3)
  }

  @Test func singleLargeSampleSplitsItsProducts() throws {
    try check(
      Double.self, input: [1, 16, 20, 20], weight: [32, 16, 3, 3], padding: 1, tolerance: 1e-11)
  }

  @Test func pointwiseUsesTheInputAsItsColumns() throws {
    try check(Double.self, input: [4, 32, 9, 9], weight: [24, 32, 1, 1], tolerance: 1e-12)
    try check(Float.self, input: [1, 5, 3, 4], weight: [6, 5, 1, 1], tolerance: 1e-4)
  }

  @Test func everySettingAtOnce() throws {
    // Stride 1 on a large image: the input gradient as a convolution with flipped kernels,
    // here with the odd "same" padding after the input.
    try check(
      Double.self, input: [1, 4, 20, 20], weight: [4, 2, 3, 2], padding: .same,
      dilation: [2, 1], groups: 2, tolerance: 1e-12)
    // Wide rows (16 outputs or more) take the row-by-row unfolding, narrow ones the table;
    // 256 positions or more a sample, the packed slabs (here with panels across rows).
    try check(
      Double.self, input: [2, 4, 30, 40], weight: [6, 2, 3, 3], stride: [2, 1],
      padding: .explicit([1, 2]), dilation: [1, 2], groups: 2, tolerance: 1e-12)
    try check(
      Double.self, input: [1, 2, 40, 60], weight: [3, 2, 3, 3], stride: [1, 2],
      padding: .explicit([0, 1]), tolerance: 1e-12)
    try check(
      Float.self, input: [2, 4, 30, 40], weight: [6, 2, 3, 3], stride: [2, 1],
      padding: .explicit([1, 2]), dilation: [1, 2], groups: 2, tolerance: 1e-4)
    try check(
      Double.self, input: [2, 4, 9, 40], weight: [6, 2, 3, 3], stride: [1, 2],
      padding: .explicit([1, 2]), dilation: [2, 1], groups: 2, tolerance: 1e-12)
    try check(
      Double.self, input: [3, 6, 11, 9], weight: [4, 3, 3, 2], stride: [2, 3],
      padding: .explicit([2, 1]), dilation: [2, 1], groups: 2, tolerance: 1e-12)
    try check(
      Double.self, input: [2, 4, 7, 8], weight: [8, 1, 4, 3], padding: .same, dilation: [1, 2],
      groups: 4, tolerance: 1e-12)
    try check(
      Float.self, input: [2, 4, 7, 8], weight: [8, 1, 4, 3], padding: .same, dilation: [1, 2],
      groups: 4, tolerance: 1e-4)
  }

  @Test func sameKeepsTheSpatialSizeWithTheExtraPaddingAfter() throws {
    let x = Tensor<Double>.random(shape: [1, 1, 5, 6], lower: -1, upper: 1, seed: 9)
    let y = x.conv2d(.ones(shape: [1, 1, 2, 2]), padding: .same)
    #expect(y.shape == [1, 1, 5, 6])
    // An even kernel pads nothing before and one after: the first output sums x[0...1, 0...1].
    let first =
      x[0, 0, 0, 0].scalar + x[0, 0, 0, 1].scalar + x[0, 0, 1, 0].scalar
      + x[0, 0, 1, 1].scalar
    #expect(abs(y[0, 0, 0, 0].scalar - first) < 1e-12)
  }

  @Test func conv1dIsConv2dOfHeightOne() throws {
    let x = Tensor<Double>.random(shape: [2, 4, 13], lower: -1, upper: 1, seed: 5)
    let w = Tensor<Double>.random(shape: [6, 2, 3], lower: -1, upper: 1, seed: 6)
    let one = x.conv1d(w, stride: 2, padding: 2, dilation: 3, groups: 2)
    let two = x.reshaped(to: [2, 4, 1, 13]).conv2d(
      w.reshaped(to: [6, 2, 1, 3]), stride: [1, 2], padding: .explicit([0, 2]),
      dilation: [1, 3], groups: 2)
    #expect(one.shape == [2, 6, 6])
    #expect(one.scalars == two.scalars)
  }

  /// A constant input (a network's data) gets no gradient, and the weights' and bias's are
  /// those of the run where the input needs one too.
  @Test func aConstantInputSkipsItsGradient() throws {
    let x = Tensor<Double>.random(shape: [3, 2, 9, 9], lower: -1, upper: 1, seed: 11)
    let w = Tensor<Double>.random(shape: [4, 2, 3, 3], lower: -1, upper: 1, seed: 12)
    let b = Tensor<Double>.random(shape: [4], lower: -1, upper: 1, seed: 13)
    func gradients(constantInput: Bool) throws -> (Tensor<Double>?, Tensor<Double>, Tensor<Double>)
    {
      let tape = Tape<Double>()
      let input = constantInput ? Variable(x, trainable: false) : tape.variable(x)
      let (weight, bias) = (tape.variable(w), tape.variable(b))
      let y = input.conv2d(weight, bias: bias, stride: [2, 1], padding: 1)
      (y * y).sum().backward()
      return (input.gradient, try #require(weight.gradient), try #require(bias.gradient))
    }
    let all = try gradients(constantInput: false)
    let some = try gradients(constantInput: true)
    #expect(all.0 != nil)
    #expect(some.0 == nil)
    #expect(some.1 == all.1)
    #expect(some.2 == all.2)
  }

  /// A fused relu gives the values and gradients of the convolution followed by `relu()`.
  @Test func fusedReluMatchesTheChain() throws {
    let x = Tensor<Float>.random(shape: [4, 3, 10, 10], lower: -1, upper: 1, seed: 21)
    let w = Tensor<Float>.random(shape: [8, 3, 3, 3], lower: -1, upper: 1, seed: 22)
    let b = Tensor<Float>.random(shape: [8], lower: -1, upper: 1, seed: 23)
    func run(fused: Bool) throws -> [Tensor<Float>] {
      let tape = Tape<Float>()
      let (input, weight, bias) = (tape.variable(x), tape.variable(w), tape.variable(b))
      let y =
        fused
        ? input.conv2d(weight, bias: bias, padding: 1, activation: .relu)
        : input.conv2d(weight, bias: bias, padding: 1).relu()
      (y * y).sum().backward()
      return [
        y.value, try #require(input.gradient), try #require(weight.gradient),
        try #require(bias.gradient),
      ]
    }
    let (fused, chain) = (try run(fused: true), try run(fused: false))
    #expect(fused == chain)
    #expect(fused[0].scalars.contains(0) && fused[0].scalars.contains { $0 > 0 })
  }
}
