import SwiftTensor

/// How scalars are drawn and shrunk: uniformly in a range, optionally outside a gap, with
/// special values on request. Values are `Double`s, converted to the tensor's scalar type last.
struct ScalarValues: Sendable {
  var range: ClosedRange<Double>
  var special: Bool
  var nonFinite: Bool
  /// The open interval no value may fall in, if any.
  var gap: (lower: Double, upper: Double)?

  init(range: ClosedRange<Double>, special: Bool, nonFinite: Bool) {
    precondition(
      range.lowerBound.isFinite && range.upperBound.isFinite,
      "Gen: the range \(range) must be finite (ask for nonFinite values instead)")
    self.range = range
    self.special = special
    self.nonFinite = nonFinite
  }

  /// Keeps values at least `distance` from `point`.
  mutating func excludeGap(around point: Double, by distance: Double) {
    let lower = Swift.max(range.lowerBound, point - distance)
    let upper = Swift.min(range.upperBound, point + distance)
    guard lower < upper else { return }
    precondition(
      lower > range.lowerBound || upper < range.upperBound,
      "Gen: no value of \(range) is at least \(distance) away from \(point)")
    gap = (lower, upper)
  }

  func isAllowed(_ x: Double) -> Bool {
    guard let gap else { return range.contains(x) }
    return range.contains(x) && (x <= gap.lower || x >= gap.upper)
  }

  func draw(_ random: inout SeededGenerator) -> ShrinkTree<Double> {
    if special || nonFinite, Int.random(in: 0..<4, using: &random) == 0 {
      var candidates = [0, 1, -1, 0x1p-126, -0x1p-126, range.lowerBound, range.upperBound]
        .filter(isAllowed)
      if nonFinite && (candidates.isEmpty || Bool.random(using: &random)) {
        candidates = [.nan, .infinity, -.infinity]
      }
      if let value = candidates.randomElement(using: &random) { return tree(value) }
    }
    // Uniform over the allowed set: draw in a range with the gap's width removed, then skip
    // over the gap.
    let width = gap.map { $0.upper - $0.lower } ?? 0
    let unit = Double(random.next() >> 11) * 0x1p-53
    var value = range.lowerBound + (range.upperBound - range.lowerBound - width) * unit
    if let gap, value > gap.lower { value += width }
    return tree(Swift.min(value, range.upperBound))
  }

  /// The simplest allowed value on `x`'s side: 0 if allowed, else the allowed point nearest it.
  func origin(for x: Double) -> Double {
    let zero = Swift.min(Swift.max(0, range.lowerBound), range.upperBound)
    guard let gap, zero > gap.lower && zero < gap.upper else { return zero }
    let above = x >= zero
    let side = above ? gap.upper : gap.lower
    return isAllowed(side) ? side : (above ? gap.lower : gap.upper)
  }

  /// Shrinks towards the origin, then whole numbers, one and two decimals, halfway, and by 1.
  func tree(_ x: Double) -> ShrinkTree<Double> {
    ShrinkTree(x) {
      let origin = origin(for: x)
      guard x.isFinite else { return [tree(origin)] }
      let offset = x - origin
      let distance = Swift.abs(offset)
      var candidates: [Double] = [origin]
      for scale in [1.0, 10, 100] {
        candidates.append(origin + (offset * scale).rounded(.towardZero) / scale)
      }
      if distance > 1e-3 { candidates.append(origin + offset / 2) }
      // One step of 1 towards the origin, so integers shrink past a halfway jump.
      if distance >= 1 { candidates.append(x - (offset > 0 ? 1 : -1)) }
      var seen: [Double] = []
      for candidate in candidates
      where Swift.abs(candidate - origin) < distance && isAllowed(candidate)
        && !seen.contains(candidate)
      {
        seen.append(candidate)
      }
      return seen.map(tree)
    }
  }
}
