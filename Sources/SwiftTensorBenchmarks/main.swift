import SwiftTensor
print("benchmarks")
