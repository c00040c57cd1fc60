import SwiftTensor

/// A generated value together with its simpler alternatives, computed only when asked for.
///
/// A shrink tree is what a generator produces: the root is the value a property is run on,
/// and the children are simpler values (shorter, smaller, closer to zero), each with its own
/// children. When a case fails, `forAll` walks down the tree greedily, keeping any child that
/// still fails, until no child fails: that leaf is the minimal counterexample.
public struct ShrinkTree<Value> {
  /// The generated value.
  public let value: Value
  private let makeChildren: () -> [ShrinkTree<Value>]

  /// Creates a tree from a value and a function giving its simpler alternatives, simplest
  /// first.
  public init(_ value: Value, children: @escaping () -> [ShrinkTree<Value>] = { [] }) {
    self.value = value
    self.makeChildren = children
  }

  /// The simpler alternatives of `value`, simplest first (computed on each call).
  public var children: [ShrinkTree<Value>] { makeChildren() }

  /// The tree of `transform` applied to every value; shrinking is preserved.
  public func map<T>(_ transform: @escaping (Value) -> T) -> ShrinkTree<T> {
    ShrinkTree<T>(transform(value)) { self.children.map { $0.map(transform) } }
  }

  /// The same tree without children: the value is never shrunk.
  public var withoutShrinking: ShrinkTree<Value> { ShrinkTree(value) }
}

/// A generator of random values of `Value` that also knows how to shrink them.
///
/// Generators compose with `map`, `flatMap`, `zip` and `filter`, and shrinking works through
/// every combinator: a tensor generated from a generated shape shrinks its shape first (the
/// values are regenerated from the same random stream), then its values. Generators are
/// deterministic: the same `SeededGenerator` state gives the same value.
///
/// ```swift
/// let matrices = Gen.shape(rank: 2...2, dimension: 1...4)
///   .flatMap { Gen.tensor(Double.self, shape: $0, in: -1...1) }
/// try forAll(matrices) { m in m.transposed().transposed() == m }
/// ```
public struct Gen<Value> {
  /// Draws a value and its shrink tree from a random source.
  public let generate: (inout SeededGenerator) -> ShrinkTree<Value>

  /// Creates a generator from a function drawing a shrink tree.
  public init(_ generate: @escaping (inout SeededGenerator) -> ShrinkTree<Value>) {
    self.generate = generate
  }

  /// A generator that always gives `value`, which never shrinks.
  public static func constant(_ value: Value) -> Gen<Value> {
    Gen { _ in ShrinkTree(value) }
  }

  /// Draws one value from a seed (for inspecting a generator).
  public func sample(seed: UInt64) -> Value {
    var random = SeededGenerator(seed: seed)
    return generate(&random).value
  }

  /// A generator of `transform` applied to this generator's values; shrinks as this one does.
  public func map<T>(_ transform: @escaping (Value) -> T) -> Gen<T> {
    Gen<T> { random in generate(&random).map(transform) }
  }

  /// A generator whose values come from a generator chosen by this one's value.
  ///
  /// The dependent generator is run with a seed drawn once, so when this generator's value
  /// shrinks the dependent value is regenerated from the same random stream (a shrunk shape
  /// keeps "the same" random values). Shrinks this value first, then the dependent one.
  public func flatMap<T>(_ transform: @escaping (Value) -> Gen<T>) -> Gen<T> {
    Gen<T> { random in
      let outer = generate(&random)
      let innerSeed = random.next()
      func bind(_ tree: ShrinkTree<Value>) -> ShrinkTree<T> {
        var innerRandom = SeededGenerator(seed: innerSeed)
        let inner = transform(tree.value).generate(&innerRandom)
        return ShrinkTree(inner.value) {
          tree.children.map(bind) + inner.children.map { dependent(tree, $0) }
        }
      }
      // Once the dependent value has shrunk, keep shrinking the outer value with it
      // regenerated, then the dependent value further.
      func dependent(_ tree: ShrinkTree<Value>, _ inner: ShrinkTree<T>) -> ShrinkTree<T> {
        ShrinkTree(inner.value) { inner.children.map { dependent(tree, $0) } }
      }
      return bind(outer)
    }
  }

  /// A generator that keeps only values satisfying `predicate`, drawing again (up to 100
  /// times) otherwise; shrinking skips the simpler values that do not satisfy it.
  ///
  /// Prefer generating valid values directly: a rarely satisfied predicate stops with a
  /// message.
  public func filter(_ predicate: @escaping (Value) -> Bool) -> Gen<Value> {
    Gen { random in
      for _ in 0..<100 {
        let tree = generate(&random)
        if predicate(tree.value) { return Self.pruned(tree, predicate) }
      }
      fatalError("Gen.filter: no value satisfied the predicate in 100 draws")
    }
  }

  private static func pruned(
    _ tree: ShrinkTree<Value>, _ predicate: @escaping (Value) -> Bool
  )
    -> ShrinkTree<Value>
  {
    ShrinkTree(tree.value) {
      tree.children.filter { predicate($0.value) }.map { pruned($0, predicate) }
    }
  }

  /// This generator with shrinking turned off.
  public var withoutShrinking: Gen<Value> { Gen { random in generate(&random).withoutShrinking } }
}

/// A generator of pairs; shrinks the first component, then the second.
public func zip<A, B>(_ a: Gen<A>, _ b: Gen<B>) -> Gen<(A, B)> {
  Gen { random in
    let first = a.generate(&random)
    let second = b.generate(&random)
    return zipTrees(first, second)
  }
}

/// A generator of triples; shrinks the components in order.
public func zip<A, B, C>(_ a: Gen<A>, _ b: Gen<B>, _ c: Gen<C>) -> Gen<(A, B, C)> {
  zip(zip(a, b), c).map { ($0.0, $0.1, $1) }
}

func zipTrees<A, B>(_ a: ShrinkTree<A>, _ b: ShrinkTree<B>) -> ShrinkTree<(A, B)> {
  ShrinkTree((a.value, b.value)) {
    a.children.map { zipTrees($0, b) } + b.children.map { zipTrees(a, $0) }
  }
}

extension Gen where Value == Int {
  /// Integers in `range`, uniformly; shrinks towards the value of the range nearest to 0.
  public static func int(in range: ClosedRange<Int>) -> Gen<Int> {
    let origin = Swift.min(Swift.max(0, range.lowerBound), range.upperBound)
    return Gen { random in
      integerTree(Int.random(in: range, using: &random), towards: origin)
    }
  }

  /// Integers in `range`, uniformly; shrinks towards the value of the range nearest to 0.
  public static func int(in range: Range<Int>) -> Gen<Int> {
    precondition(!range.isEmpty, "Gen.int: empty range \(range)")
    return int(in: range.lowerBound...(range.upperBound - 1))
  }
}

extension Gen where Value == Bool {
  /// `true` or `false` with equal chance; shrinks towards `false`.
  public static var bool: Gen<Bool> {
    Gen { random in
      Bool.random(using: &random) ? ShrinkTree(true) { [ShrinkTree(false)] } : ShrinkTree(false)
    }
  }
}

extension Gen {
  /// One of `elements`, uniformly; shrinks towards the first.
  public static func element(of elements: [Value]) -> Gen<Value> {
    precondition(!elements.isEmpty, "Gen.element(of:): no elements to choose from")
    return Gen<Int>.int(in: 0..<elements.count).map { elements[$0] }
  }

  /// One of `generators`' values, the generator chosen uniformly; shrinks towards the first
  /// generator, then within the chosen one.
  public static func oneOf(_ generators: [Gen<Value>]) -> Gen<Value> {
    precondition(!generators.isEmpty, "Gen.oneOf: no generators to choose from")
    return Gen<Int>.int(in: 0..<generators.count).flatMap { generators[$0] }
  }

  /// Arrays of exactly `count` values of this generator; shrinks each element.
  public func array(count: Int) -> Gen<[Value]> { array(count: count...count) }

  /// Arrays whose length is in `count`; shrinks towards shorter arrays (removing elements
  /// from anywhere), then shrinks the elements.
  public func array(count: ClosedRange<Int>) -> Gen<[Value]> {
    Gen<[Value]> { random in
      let length = Int.random(in: count, using: &random)
      let trees = (0..<length).map { _ in generate(&random) }
      return arrayTree(trees, minimumCount: count.lowerBound)
    }
  }
}

/// Shrinks `value` towards `origin`: the origin itself first, then halfway, then ever closer.
func integerTree(_ value: Int, towards origin: Int) -> ShrinkTree<Int> {
  ShrinkTree(value) {
    var candidates: [Int] = []
    var distance = value - origin
    while distance != 0 {
      candidates.append(value - distance)
      distance /= 2
    }
    return candidates.map { integerTree($0, towards: origin) }
  }
}

/// Shrinks an array by removing elements (halves, then single ones), then by shrinking one
/// element at a time.
func arrayTree<Value>(_ trees: [ShrinkTree<Value>], minimumCount: Int) -> ShrinkTree<[Value]> {
  ShrinkTree(trees.map(\.value)) {
    var children: [ShrinkTree<[Value]>] = []
    var removal = trees.count - minimumCount
    var sizes: [Int] = []
    while removal > 0 {
      sizes.append(removal)
      removal /= 2
    }
    for size in sizes {
      for start in stride(from: 0, through: trees.count - size, by: size) {
        var rest = trees
        rest.removeSubrange(start..<(start + size))
        children.append(arrayTree(rest, minimumCount: minimumCount))
      }
    }
    for index in trees.indices {
      for child in trees[index].children {
        var shrunk = trees
        shrunk[index] = child
        children.append(arrayTree(shrunk, minimumCount: minimumCount))
      }
    }
    return children
  }
}
