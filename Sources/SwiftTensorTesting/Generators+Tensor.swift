import SwiftTensor

extension Gen where Value == [Int] {
  /// Tensor shapes whose rank is in `rank` and whose dimensions are in `dimension`.
  ///
  /// Size-0 dimensions appear only when `dimension` contains 0. Shrinks towards fewer
  /// dimensions (down to the lowest rank allowed), then towards smaller ones.
  ///
  /// - Parameters:
  ///   - rank: the number of dimensions; rank 0 is a scalar tensor.
  ///   - dimension: the size of each dimension.
  public static func shape(
    rank: ClosedRange<Int> = 0...3, dimension: ClosedRange<Int> = 0...4
  ) -> Gen<[Int]> {
    precondition(rank.lowerBound >= 0, "Gen.shape: negative rank \(rank)")
    precondition(dimension.lowerBound >= 0, "Gen.shape: negative dimension \(dimension)")
    return Gen<Int>.int(in: dimension).array(count: rank)
  }
}

extension Gen where Value == ([Int], [Int]) {
  /// Pairs of shapes that broadcast together, as numpy does: the second (or the first) may
  /// have fewer leading dimensions and size-1 dimensions where the other has any size.
  ///
  /// Shrinks the common shape first (fewer, smaller dimensions), then each operand towards
  /// fewer dimensions and more size-1 dimensions.
  ///
  /// - Parameters:
  ///   - rank: the rank of the broadcast result.
  ///   - dimension: the size of each dimension of the result.
  public static func broadcastableShapes(
    rank: ClosedRange<Int> = 0...3, dimension: ClosedRange<Int> = 0...4
  ) -> Gen<([Int], [Int])> {
    // The broadcasting choices are drawn for the largest rank, independently of the result
    // shape, so shrinking the shape keeps them (a flatMap would redraw them). They shrink
    // towards fewer kept dimensions and more size-1 ones: smaller operands.
    let maximum = rank.upperBound
    let ones = Gen<Bool>.bool.map { !$0 }.array(count: maximum)
    let operand = zip(Gen<Int>.int(in: 0...maximum), ones)
    return zip(Gen<[Int]>.shape(rank: rank, dimension: dimension), operand, operand)
      .map { result, first, second in
        func shape(_ choice: (kept: Int, ones: [Bool])) -> [Int] {
          Array(zip(result, choice.ones).map { $1 ? 1 : $0 }.suffix(choice.kept))
        }
        return (shape(first), shape(second))
      }
  }
}

extension Gen where Value == [Int] {
  /// `count` class labels in `0..<classes`, for a classification loss; shrinks towards 0.
  public static func labels(count: Int, classes: Int) -> Gen<[Int]> {
    precondition(classes > 0, "Gen.labels: needs at least one class, got \(classes)")
    return Gen<Int>.int(in: 0..<classes).array(count: count)
  }

  /// A permutation of `0..<count`, for transposes; shrinks towards the identity.
  public static func permutation(of count: Int) -> Gen<[Int]> {
    // A Lehmer code: the i-th digit picks among the remaining axes; all zeros is the identity.
    let digits = (0..<count).map { Gen<Int>.int(in: 0...(count - 1 - $0)) }
    return Gen<[Int]> { random in
      arrayTree(digits.map { $0.generate(&random) }, minimumCount: count)
    }.map { code in
      var remaining = Array(0..<count)
      return code.map { remaining.remove(at: $0) }
    }
  }
}

extension Gen where Value: TensorScalar {
  /// Scalars in `range`, uniformly; shrinks towards the value of the range nearest to 0, then
  /// towards whole numbers and short decimals.
  ///
  /// - Parameters:
  ///   - _: the scalar type, `Float` or `Double`.
  ///   - range: the interval of finite values.
  ///   - specialValues: when true, a quarter of the values are 0, ±1, the smallest normal
  ///     magnitude or a bound of the range (those inside `range`).
  ///   - nonFinite: when true, NaN and ±infinity are drawn as special values too (one in 8).
  public static func scalar(
    _: Value.Type, in range: ClosedRange<Double> = -2...2, specialValues: Bool = false,
    nonFinite: Bool = false
  ) -> Gen<Value> {
    let values = ScalarValues(range: range, special: specialValues, nonFinite: nonFinite)
    return Gen { random in values.draw(&random).map { Value($0) } }
  }
}

extension Gen {

  /// Tensors of `shape` with scalars in `range`; shrinks all scalars at once towards the
  /// simplest value, then one scalar at a time (see `scalar(_:in:specialValues:nonFinite:)`).
  ///
  /// Use `awayFrom`/`by` to keep every scalar at least `by` from a point where the function
  /// under test is not differentiable (relu at 0) or not defined (a pole): a gradient check
  /// must avoid such points rather than loosen its tolerance.
  ///
  /// ```swift
  /// Gen.tensor(Float.self, shape: [2, 3], in: -2...2, awayFrom: 0, by: 0.1)
  /// ```
  ///
  /// - Parameters:
  ///   - shape: the shape of every tensor.
  ///   - range: the interval scalars are drawn from.
  ///   - awayFrom: a point to keep away from, or `nil`.
  ///   - gap: the smallest distance to `awayFrom` (the argument `by`).
  ///   - specialValues: draw some 0, ±1, tiny and boundary values (in range and away).
  ///   - nonFinite: draw some NaN and ±infinity.
  public static func tensor<T: TensorScalar>(
    _: T.Type, shape: [Int], in range: ClosedRange<Double> = -2...2,
    awayFrom point: Double? = nil, by gap: Double = 0, specialValues: Bool = false,
    nonFinite: Bool = false
  ) -> Gen<Tensor<T>> where Value == Tensor<T> {
    var values = ScalarValues(range: range, special: specialValues, nonFinite: nonFinite)
    if let point, gap > 0 { values.excludeGap(around: point, by: gap) }
    let count = shape.reduce(1, *)
    return Gen<Tensor<T>> { [values] random in
      let trees = (0..<count).map { _ in values.draw(&random) }
      return scalarsTree(trees).map { Tensor(shape: shape, scalars: $0.map { T($0) }) }
    }
  }

  /// Tensors whose shape comes from `shape` (see `tensor(_:shape:in:awayFrom:by:...)` with a
  /// fixed shape); shrinks the shape first, then the scalars.
  ///
  /// ```swift
  /// Gen.tensor(Double.self, shape: Gen.shape(rank: 0...3))
  /// ```
  public static func tensor<T: TensorScalar>(
    _ type: T.Type, shape: Gen<[Int]>, in range: ClosedRange<Double> = -2...2,
    awayFrom point: Double? = nil, by gap: Double = 0, specialValues: Bool = false,
    nonFinite: Bool = false
  ) -> Gen<Tensor<T>> where Value == Tensor<T> {
    shape.flatMap {
      tensor(
        type, shape: $0, in: range, awayFrom: point, by: gap, specialValues: specialValues,
        nonFinite: nonFinite)
    }
  }
}

/// Shrinks a list of scalars: all towards their simplest value at once, then one at a time.
func scalarsTree(_ trees: [ShrinkTree<Double>]) -> ShrinkTree<[Double]> {
  ShrinkTree(trees.map(\.value)) {
    var children: [ShrinkTree<[Double]>] = []
    let simplest = trees.map { $0.children.first ?? $0 }
    if trees.count > 1 && zip(simplest, trees).contains(where: { $0.value != $1.value }) {
      children.append(scalarsTree(simplest))
    }
    for index in trees.indices {
      for child in trees[index].children {
        var shrunk = trees
        shrunk[index] = child
        children.append(scalarsTree(shrunk))
      }
    }
    return children
  }
}
