/// An n-dimensional array of `Float` or `Double` values, stored row-major and contiguously.
///
/// `Tensor` is a value type: assigning it or passing it shares the buffer, and the first
/// mutation of a shared buffer copies it (copy-on-write). Operations never alias their
/// inputs' storage with their results.
///
/// ```swift
/// let a: Tensor<Float> = [[1, 2, 3], [4, 5, 6]]   // shape [2, 3]
/// let b = Tensor<Float>.random(shape: [3, 2], seed: 7)
/// print(a.matmul(b) + 1)
/// ```
///
/// A rank-0 tensor holds one scalar and has shape `[]`. Dimensions of size 0 are allowed.
///
/// Tensors are `Sendable`: the storage is shared between copies but written only when uniquely
/// referenced, so no two threads ever write, or read and write, one buffer (hence `@unchecked`).
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
  /// The size of each dimension, outermost first.
  public let shape: [Int]

  @usableFromInline
  var storage: TensorStorage

  /// The first scalar of the buffer.
  @inlinable
  var baseAddress: UnsafeMutablePointer<Scalar> {
    storage.base.assumingMemoryBound(to: Scalar.self)
  }

  /// Wraps an existing buffer; `storage.count` must equal the product of `shape`.
  @inlinable
  init(shape: [Int], storage: TensorStorage) {
    self.shape = shape
    self.storage = storage
  }

  /// Creates a tensor of `shape` whose scalars `initializer` writes into an uninitialised
  /// buffer of `shape`'s element count.
  @inlinable
  init(
    shape: [Int], operation: @autoclosure () -> String = "Tensor",
    unsafeUninitialized initializer: (UnsafeMutablePointer<Scalar>) -> Void
  ) {
    let count = Tensor.elementCount(of: shape, operation: operation())
    let storage = TensorStorage.make(count: count, stride: MemoryLayout<Scalar>.stride)
    storage.base.bindMemory(to: Scalar.self, capacity: count)
    initializer(storage.base.assumingMemoryBound(to: Scalar.self))
    self.init(shape: shape, storage: storage)
  }

  /// Creates a tensor of the given shape from its scalars in row-major order.
  ///
  /// - Precondition: `scalars.count` equals the product of `shape`, and no dimension is negative.
  @inlinable
  public init(shape: [Int], scalars: [Scalar]) {
    let count = Tensor.elementCount(of: shape, operation: "Tensor(shape:scalars:)")
    tensorPrecondition(
      count == scalars.count,
      "Tensor(shape:scalars:): shape \(describe(shape: shape)) holds \(count) scalars, "
        + "but \(scalars.count) were given")
    self.init(shape: shape, operation: "Tensor(shape:scalars:)") { base in
      scalars.withUnsafeBufferPointer { source in
        if let start = source.baseAddress { base.update(from: start, count: count) }
      }
    }
  }

  /// Creates a rank-0 tensor holding `scalar`.
  @inlinable
  public init(_ scalar: Scalar) {
    self.init(shape: [], scalars: [scalar])
  }

  /// Creates a 1-D tensor from `scalars`.
  @inlinable
  public init(_ scalars: [Scalar]) {
    self.init(shape: [scalars.count], scalars: scalars)
  }

  /// Creates a tensor of `shape` with every scalar equal to `value`.
  @inlinable
  public init(repeating value: Scalar, shape: [Int]) {
    self.init(shape: shape, operation: "Tensor(repeating:shape:)") { base in
      // `init` has checked the count already.
      Scalar._unaryKernel(.fill(value), base, base, count: shape.reduce(1, &*))
    }
  }

  /// A tensor of `shape` filled with zeros.
  @inlinable
  public static func zeros(shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

  /// A tensor of `shape` filled with ones.
  @inlinable
  public static func ones(shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

  /// The number of dimensions (0 for a scalar tensor).
  @inlinable
  public var rank: Int { shape.count }

  /// The number of scalars: the product of `shape` (1 for rank 0).
  @inlinable
  public var scalarCount: Int { storage.count }

  /// All scalars in row-major order.
  @inlinable
  public var scalars: [Scalar] {
    Array(UnsafeBufferPointer(start: baseAddress, count: storage.count))
  }

  /// The single scalar of a tensor with exactly one element (of any rank).
  @inlinable
  public var scalar: Scalar {
    tensorPrecondition(
      scalarCount == 1,
      "Tensor.scalar: tensor of shape \(describe(shape: shape)) has \(scalarCount) scalars, "
        + "expected exactly 1")
    return baseAddress[0]
  }

  /// Calls `body` with the scalars in row-major order.
  @inlinable
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    try body(UnsafeBufferPointer(start: baseAddress, count: storage.count))
  }

  /// Calls `body` with the scalars in row-major order, for writing; copies a shared buffer first.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    return try body(UnsafeMutableBufferPointer(start: baseAddress, count: storage.count))
  }

  /// The product of `shape`, after checking that no dimension is negative and that the count
  /// and its size in bytes fit in `Int`. Inlined into every tensor creation (a call out of line
  /// costs every operation; see docs/PERFORMANCE.md), so the loop only gathers one flag and the
  /// messages are built out of line.
  @inlinable @inline(__always)
  static func elementCount(of shape: [Int], operation: @autoclosure () -> String) -> Int {
    var count = 1
    var invalid = false
    for dimension in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      invalid = invalid || overflow || dimension < 0
      count = product
    }
    // `stride` is a constant of the specialisation, so the bound folds to one comparison.
    if invalid || count > Int.max / MemoryLayout<Scalar>.stride {
      // Valid after all only with no negative dimension and a 0 one (an overflowing product
      // followed by 0 holds 0 scalars). The failure never returns, so the common path keeps
      // `shape` without an extra retain.
      if invalid && !shape.contains(where: { $0 < 0 }) && shape.contains(0) { return 0 }
      unaddressableShapeFailure(shape, operation: operation())
    }
    return count
  }

  /// Stops: `shape` has a negative dimension, or more scalars than can be addressed.
  @usableFromInline @inline(never)
  static func unaddressableShapeFailure(_ shape: [Int], operation: String) -> Never {
    tensorPrecondition(
      shape.allSatisfy { $0 >= 0 },
      "\(operation): shape \(describe(shape: shape)) has a negative dimension")
    let bytes = MemoryLayout<Scalar>.stride
    tensorFailure(
      "\(operation): shape \(describe(shape: shape)) holds more scalars than can be addressed "
        + "(the element count times \(bytes) bytes overflows Int; at most "
        + "\(Int.max / bytes) scalars of \(Scalar.self))")
  }

  /// Row-major strides of `shape`, in elements.
  @inlinable
  static func contiguousStrides(of shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
      strides[axis] = stride
      stride *= shape[axis]
    }
    return strides
  }

  /// Converts a possibly negative axis (`-1` is the last) to its index, or stops with a message
  /// naming `operation`.
  @inlinable
  func normalize(axis: Int, operation: String, rank: Int? = nil) -> Int {
    let rank = rank ?? self.rank
    tensorPrecondition(
      axis >= -rank && axis < rank,
      "\(operation): axis \(axis) is out of range for a tensor of shape "
        + "\(describe(shape: shape)) (valid axes: \(-rank)..<\(rank))")
    return axis < 0 ? axis + rank : axis
  }
}

extension Tensor: Equatable {
  /// Two tensors are equal when their shapes and all their scalars are equal (NaN is unequal).
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    lhs.shape == rhs.shape
      && lhs.withUnsafeBufferPointer { a in
        rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
      }
  }
}
