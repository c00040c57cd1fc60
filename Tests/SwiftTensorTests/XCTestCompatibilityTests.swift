import SwiftTensor
import SwiftTensorTesting
import XCTest

/// `forAll` and the gradient checks work from XCTest as well as from Swift Testing: a failure
/// is a thrown error whose description is the whole report.
final class XCTestCompatibilityTests: XCTestCase {
  struct Square<Scalar: TensorScalar>: UnaryOperation {
    var factor: Scalar = 2
    func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x }
    func backward(
      _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    )
      -> Tensor<Scalar>
    {
      x * dy * factor
    }
  }

  func testPassingPropertyRunsInXCTest() throws {
    try forAll(Gen.tensor(Double.self, shape: Gen.shape(rank: 0...2)), seed: 1) { x in
      try expectGradient(of: Square(), at: [x])
    }
  }

  func testFailingPropertyThrowsAReadableReport() {
    XCTAssertThrowsError(
      try forAll(Gen.tensor(Double.self, shape: Gen.shape(rank: 1...2)), seed: 2) { x in
        try expectGradient(of: Square(factor: 3), at: [x])
      }
    ) { error in
      let report = "\(error)"
      XCTAssertTrue(report.contains("SWIFTTENSOR_TEST_SEED=2"), report)
    }
  }
}
