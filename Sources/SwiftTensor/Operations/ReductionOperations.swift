/// Sum along axes (or of everything). Derivative: `dy` broadcast back over the summed axes.
public struct Sum<Scalar: TensorScalar>: UnaryOperation {
  /// The axes to sum, or `nil` for all of them.
  public var axes: [Int]?
  /// Whether summed axes stay as size 1.
  public var keepingDimensions: Bool
  /// Creates the operation.
  @inlinable
  public init(axes: [Int]? = nil, keepingDimensions: Bool = false) {
    self.axes = axes
    self.keepingDimensions = keepingDimensions
  }
  /// The sum.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    guard let axes else {
      return keepingDimensions
        ? x.sum().reshaped(to: x.shape.map { _ in 1 }) : x.sum()
    }
    return x.sum(axes: axes, keepingDimensions: keepingDimensions)
  }
  /// `dy` repeated over the summed axes.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    dy.reshaped(to: keptShape(of: x.shape)).broadcasted(to: x.shape)
  }

  @usableFromInline
  func keptShape(of shape: [Int]) -> [Int] {
    guard let axes else { return shape.map { _ in 1 } }
    var kept = shape
    for axis in axes { kept[axis < 0 ? axis + shape.count : axis] = 1 }
    return kept
  }
}

/// Mean along axes (or of everything). Derivative: `dy / n` broadcast back over the axes.
public struct Mean<Scalar: TensorScalar>: UnaryOperation {
  /// The axes to average, or `nil` for all of them.
  public var axes: [Int]?
  /// Whether averaged axes stay as size 1.
  public var keepingDimensions: Bool
  /// Creates the operation.
  @inlinable
  public init(axes: [Int]? = nil, keepingDimensions: Bool = false) {
    self.axes = axes
    self.keepingDimensions = keepingDimensions
  }
  @usableFromInline
  var sum: Sum<Scalar> { Sum(axes: axes, keepingDimensions: keepingDimensions) }
  /// The mean.
  @inlinable
  public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    sum.forward(x) / Scalar(count(x.shape))
  }
  /// `dy / n` repeated over the averaged axes.
  @inlinable
  public func backward(
    _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
  )
    -> Tensor<Scalar>
  {
    sum.backward(x, y, dy) / Scalar(count(x.shape))
  }

  @usableFromInline
  func count(_ shape: [Int]) -> Int {
    let kept = sum.keptShape(of: shape)
    return zip(shape, kept).reduce(1) { $0 * ($1.1 == 1 ? $1.0 : 1) }
  }
}

// The spellings on variables: each records one operation (see `UnaryOperation.callAsFunction`).
extension Variable {
  /// Sum of all scalars, a rank-0 variable.
  @inlinable
  public consuming func sum() -> Variable { Sum()(self) }

  /// Sum along `axes`.
  @inlinable
  public consuming func sum(axes: [Int], keepingDimensions: Bool = false) -> Variable {
    Sum(axes: axes, keepingDimensions: keepingDimensions)(self)
  }

  /// Sum along `axis`.
  @inlinable
  public consuming func sum(axis: Int, keepingDimensions: Bool = false) -> Variable {
    sum(axes: [axis], keepingDimensions: keepingDimensions)
  }

  /// Mean of all scalars, a rank-0 variable.
  @inlinable
  public consuming func mean() -> Variable { Mean()(self) }

  /// Mean along `axes`.
  @inlinable
  public consuming func mean(axes: [Int], keepingDimensions: Bool = false) -> Variable {
    Mean(axes: axes, keepingDimensions: keepingDimensions)(self)
  }

  /// Mean along `axis`.
  @inlinable
  public consuming func mean(axis: Int, keepingDimensions: Bool = false) -> Variable {
    mean(axes: [axis], keepingDimensions: keepingDimensions)
  }
}
