import SwiftTensor
import SwiftTensorTesting
import Testing

// The README's examples, as written there, so they cannot rot.

private struct Cube<Scalar: TensorScalar>: UnaryOperation {
  func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
  func backward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>) -> Tensor<Scalar> {
    3 * x * x * dy
  }
}

@Suite struct ReadmeExampleTests {
  @Test func firstExample() {
    let a: Tensor<Float> = [[1, 2, 3], [4, 5, 6]]
    let w = Tensor<Float>.randomNormal(shape: [3, 2], seed: 1)
    #expect((a.matmul(w) + [10, 20]).shape == [2, 2])
    #expect(a.softmax(axis: 1).sum(axis: 1).isApproximatelyEqual(to: [1, 1]))
  }

  @Test func variablesAndGradients() throws {
    let v = Variable(Tensor<Float>.random(shape: [5], seed: 1), name: "hello")
    #expect(
      "\(v)"
        == ("Variable {name: hello}\n- value    : [0.5665616  0.7457818  0.97100276 0.4443592  0.4442647 ]\n- gradient : nil")
    )

    let weight = Variable(Tensor<Float>.randomNormal(shape: [4, 3], seed: 2), name: "W")
    let bias = Variable(Tensor<Float>.zeros(shape: [3]), name: "b")
    let tape = Tape<Float>()
    let x = tape.variable(Tensor<Float>.random(shape: [8, 4], seed: 3))
    let loss = x.affine(weight, bias).sigmoid().softmaxCrossEntropy(labels: [
      0, 1, 2, 0, 1, 2, 0, 1,
    ])
    loss.backward()
    #expect(try #require(weight.gradient).shape == [4, 3])
    #expect(try #require(bias.gradient).shape == [3])
  }

  @Test func customOperation() throws {
    let cubeTape = Tape<Double>()
    let z = cubeTape.variable([1, 2, 3])
    Cube()(z).sum().backward()
    #expect(try #require(z.gradient) == [3, 12, 27])
    #expect("\(try #require(z.gradient))" == "[ 3. 12. 27.]")

    let report = checkGradients(
      of: Cube<Double>(), at: [Tensor.randomNormal(shape: [3, 4], seed: 7)])
    #expect(report.passed, "\(report)")
    #expect("\(report)".hasPrefix("gradient check passed: worst at input 0 index"))

    try forAll(Gen.tensor(Double.self, shape: Gen.shape(rank: 0...3))) { x in
      try expectGradient(of: Cube(), at: [x])
    }
  }
}
