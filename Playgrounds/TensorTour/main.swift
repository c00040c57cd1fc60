import SwiftTensor
let t: Tensor<Float> = [[1, 2], [3, 4]]
print(t.shape, t.scalars)
