import Testing

@testable import SwiftTensor

/// `Tape.detectsAnomalies`: the first operation whose output or input gradient holds a NaN or
/// an infinity, in Float and Double.
@Suite struct AnomalyDetectionTests {
  func check<T: TensorScalar>(_: T.Type) {
    // Forward: log(0) is -inf at flat index 1 of the second operation; later ones are ignored.
    let tape = Tape<T>()
    tape.detectsAnomalies = true
    let x = tape.variable([1, 0, 4])
    let y = (x * 2).log().exp()
    #expect(
      tape.firstAnomaly
        == TapeAnomaly(
          operation: "Log", position: 1, phase: .forward, shape: [3], value: -.infinity, index: 1))
    _ = y

    // Backward: sqrt(0) is finite, its derivative infinite.
    let roots = Tape<T>()
    roots.detectsAnomalies = true
    let z = roots.variable([4, 0])
    (z.sqrt() * 3).sum().backward()
    let anomaly = roots.firstAnomaly
    #expect(anomaly?.operation == "SquareRoot" && anomaly?.phase == .backward)
    #expect(anomaly?.position == 0 && anomaly?.index == 1 && anomaly?.value == .infinity)
    #expect(anomaly?.description.contains("SquareRoot (operation 0 on the tape)") == true)

    // A parameter's gradient written in place (the affine weight) is checked too.
    let w = Variable<T>([[1], [2]], name: "W")
    let affineTape = Tape<T>()
    affineTape.detectsAnomalies = true
    affineTape.watch(w)
    let input = Variable<T>(Tensor(shape: [1, 2], scalars: [.infinity, 1]), trainable: false)
    let output = input.affine(w)
    #expect(affineTape.firstAnomaly?.operation == "AffineTransform")
    #expect(affineTape.firstAnomaly?.phase == .forward)
    affineTape.reset()
    #expect(affineTape.firstAnomaly == nil, "reset forgets the anomaly")
    _ = output

    // Off by default: nothing is checked or kept.
    let plain = Tape<T>()
    let p = plain.variable([0])
    p.log().sum().backward()
    #expect(plain.firstAnomaly == nil)
  }

  @Test func detectsTheFirstNonFiniteValueFloat() { check(Float.self) }
  @Test func detectsTheFirstNonFiniteValueDouble() { check(Double.self) }

  @Test func tensorsSayWhetherTheyAreFinite() {
    #expect(Tensor<Float>([1, 2]).isFinite)
    #expect(Tensor<Float>(shape: [0], scalars: []).isFinite)
    #expect(!Tensor<Double>([1, .nan]).isFinite)
    #expect(!Tensor<Float>([[1, 2], [-.infinity, 0]]).isFinite)
    #expect(Tensor<Float>([3, 4]).sumOfSquaredScalars == 25)
  }
}
