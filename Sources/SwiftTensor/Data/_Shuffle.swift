/// A uniformly random permutation of `0..<count` (Fisher-Yates).
///
/// Written out rather than using `Array.shuffle(using:)`, whose algorithm the standard library
/// does not promise to keep, so a seed gives the same order with every toolchain. Specialised
/// for `SeededGenerator`: its callers are generic over the scalar, where a generic shuffle
/// draws every index through witnesses (several times slower).
@_specialize(where Generator == SeededGenerator)
func seededPermutation<Generator: RandomNumberGenerator>(
  count: Int, using generator: inout Generator
) -> [Int] {
  var order = Array(0..<count)
  var index = count - 1
  while index > 0 {
    order.swapAt(index, uniformIndex(below: index + 1, using: &generator))
    index -= 1
  }
  return order
}

/// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
///
/// References: D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 2019.
@_specialize(where Generator == SeededGenerator)
func uniformIndex<Generator: RandomNumberGenerator>(
  below bound: Int, using generator: inout Generator
) -> Int {
  let range = UInt64(bound)
  var product = generator.next().multipliedFullWidth(by: range)
  if product.low < range {
    let threshold = (0 &- range) % range
    while product.low < threshold {
      product = generator.next().multipliedFullWidth(by: range)
    }
  }
  return Int(product.high)
}
