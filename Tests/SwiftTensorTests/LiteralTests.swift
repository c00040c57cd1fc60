import Testing
@testable import SwiftTensor
@Test func literal() { let t: Tensor<Float> = [[1, 2], [3, 4]]; #expect(t.shape == [2, 2]) }
