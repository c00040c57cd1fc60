import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The pooling operations' values against a reference written another way: plain loops in
/// Double over the padded coordinates (PyTorch's definition read literally: every position of
/// every window, padding skipped as −∞ for the maximum and counted as 0 for the mean), and
/// small tables worked by hand. Layout NCW for 1-D, NCHW for 2-D.
@Suite struct PoolingForwardTests {
  /// Pools `x` (`[planes, height, width]`, row-major, as Double) the slow way.
  static func reference(
    _ x: [Double], planes: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
    padding: (Int, Int), maximum: Bool, countingPadding: Bool = true
  ) -> [Double] {
    let outHeight = (height + 2 * padding.0 - kernel.0) / stride.0 + 1
    let outWidth = (width + 2 * padding.1 - kernel.1) / stride.1 + 1
    var result: [Double] = []
    for plane in 0..<planes {
      for i in 0..<outHeight {
        for j in 0..<outWidth {
          var best = -Double.infinity
          var (sum, covered) = (0.0, 0)
          for a in 0..<kernel.0 {
            for b in 0..<kernel.1 {
              let (r, c) = (i * stride.0 + a - padding.0, j * stride.1 + b - padding.1)
              guard (0..<height).contains(r) && (0..<width).contains(c) else { continue }
              let value = x[(plane * height + r) * width + c]
              best = Swift.max(best, value)
              sum += value
              covered += 1
            }
          }
          let divisor = countingPadding ? kernel.0 * kernel.1 : covered
          result.append(maximum ? best : sum / Double(divisor))
        }
      }
    }
    return result
  }

  /// Every generated 2-D case, both kinds and both counting rules, in `T`, against the Double
  /// reference; and the 1-D spellings against the same reference with height 1.
  func againstReference<T: TensorScalar>(_ type: T.Type) throws {
    let cases = zip(Gen.int(in: 1...3), Gen.int(in: 1...3), Gen.bool).flatMap {
      kernel, stride, counting in
      Gen.int(in: 0...kernel / 2).flatMap { padding in
        Gen.int(in: Swift.max(1, kernel - 2 * padding)...6).array(count: 2).flatMap { sizes in
          Gen.tensor(type, shape: [2, 3] + sizes).map {
            ($0, kernel, stride, padding, counting)
          }
        }
      }
    }
    let tolerance = T.ulpOfOne * 16
    try forAll(cases) { x, kernel, stride, padding, counting in
      let (h, w) = (x.shape[2], x.shape[3])
      let values = x.scalars.map { Double($0) }
      for maximum in [true, false] {
        let expected = Self.reference(
          values, planes: 6, height: h, width: w, kernel: (kernel, kernel),
          stride: (stride, stride), padding: (padding, padding), maximum: maximum,
          countingPadding: counting)
        let y =
          maximum
          ? x.maxPool2D(kernelSize: kernel, stride: stride, padding: padding)
          : x.avgPool2D(
            kernelSize: kernel, stride: stride, padding: padding, countIncludingPadding: counting)
        let (outHeight, outWidth) = (
          (h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1
        )
        #expect(y.shape == [2, 3, outHeight, outWidth])
        for (got, want) in zip(y.scalars, expected) {
          #expect(abs(Double(got) - want) <= Double(tolerance) * Swift.max(1, abs(want)))
        }
        let rows = x.reshaped(to: [2, 3 * h, w])
        let expected1D = Self.reference(
          values, planes: 6 * h, height: 1, width: w, kernel: (1, kernel), stride: (1, stride),
          padding: (0, padding), maximum: maximum, countingPadding: counting)
        let y1D =
          maximum
          ? rows.maxPool1D(kernelSize: kernel, stride: stride, padding: padding)
          : rows.avgPool1D(
            kernelSize: kernel, stride: stride, padding: padding, countIncludingPadding: counting)
        for (got, want) in zip(y1D.scalars, expected1D) {
          #expect(abs(Double(got) - want) <= Double(tolerance) * Swift.max(1, abs(want)))
        }
      }
    }
  }

  @Test func againstReferenceFloat() throws { try againstReference(Float.self) }
  @Test func againstReferenceDouble() throws { try againstReference(Double.self) }

  /// A 4×4 plane worked by hand: PyTorch's `max_pool2d(x, 2)`, `avg_pool2d(x, 3, 2, 1)` with
  /// and without `count_include_pad`, and the global mean.
  @Test func handWorkedTable() {
    let x = Tensor<Double>(shape: [1, 1, 4, 4], scalars: (1...16).map(Double.init))
    #expect(x.maxPool2D(kernelSize: 2).scalars == [6, 8, 14, 16])
    // The corner window covers 1, 2, 5, 6 and five padding zeros.
    let including = x.avgPool2D(kernelSize: 3, stride: 2, padding: 1)
    #expect(including.shape == [1, 1, 2, 2])
    let includingSums: [Double] = [14, 30, 57, 99]
    #expect(including.scalars == includingSums.map { $0 / 9 })
    let excluding = x.avgPool2D(kernelSize: 3, stride: 2, padding: 1, countIncludingPadding: false)
    let excludingCounts: [Double] = [4, 6, 6, 9]
    #expect(excluding.scalars == zip(includingSums, excludingCounts).map { $0 / $1 })
    #expect(x.globalAvgPool2D().shape == [1, 1])
    #expect(x.globalAvgPool2D().scalars == [8.5])
    // Padding is −∞ for the maximum: all-negative inputs keep their values.
    let negative = Tensor<Float>(shape: [1, 1, 3], scalars: [-3, -1, -2])
    #expect(negative.maxPool1D(kernelSize: 3, stride: 1, padding: 1).scalars == [-1, -1, -1])
  }

  /// Ties send the gradient to the first scalar of the window in row-major order; windows that
  /// share their arg-max add their gradients there.
  @Test func tiesGoToTheFirstInWindowOrder() throws {
    let tape = Tape<Double>()
    let x = tape.variable(.ones(shape: [1, 1, 2, 2]))
    x.maxPool2D(kernelSize: 2).sum().backward()
    #expect(x.gradient?.scalars == [1, 0, 0, 0])
    let overlapping = Tape<Float>()
    let y = overlapping.variable(Tensor(shape: [1, 1, 4], scalars: [0, 5, 5, 1]))
    y.maxPool1D(kernelSize: 2, stride: 1).sum().backward()
    // Windows [0, 5], [5, 5], [5, 1]: the middle one's tie goes to its first 5.
    #expect(y.gradient?.scalars == [0, 2, 1, 0])
  }

  /// The layers in a `Graph`: NCHW through max pooling, average pooling and the global mean,
  /// then an affine layer; the shapes check when the graph is built, and the values match
  /// the operations run by hand.
  @Test func layersInAGraph() {
    let graph = Graph<Float>("cnn", seed: 1, inputShape: [2, 6, 6]) {
      MaxPool2D(kernelSize: 2)
      AvgPool2D(kernelSize: 3, stride: 1, padding: 1, countIncludingPadding: false)
      GlobalAvgPool2D()
      Affine(2, 3)
    }
    let x = Tensor<Float>.random(shape: [4, 2, 6, 6], seed: 2)
    let pooled = x.maxPool2D(kernelSize: 2)
      .avgPool2D(kernelSize: 3, stride: 1, padding: 1, countIncludingPadding: false)
      .globalAvgPool2D()
    let plain = Graph<Float>("cnn", seed: 1) { Affine(2, 3) }
    #expect(graph.predict(x) == plain.predict(pooled))
    let sequence = Graph<Double>("sequence", inputShape: [3, 8]) {
      MaxPool1D(kernelSize: 2)
      AvgPool1D(kernelSize: 2, stride: 2)
      Flatten()
    }
    #expect(sequence.predict(.zeros(shape: [5, 3, 8])).shape == [5, 6])
  }
}
