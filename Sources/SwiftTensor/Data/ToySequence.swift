/// pytensor's toy data for linear regression: `y = 2·x1 + 3·x2 + noise`.
///
/// ```swift
/// let data = ToySequence.make(count: 1_000, seed: 1, as: Float.self)
/// // data.inputs: [1000, 2]; data.targetValues: [1000, 1]
/// ```
public enum ToySequence {
  /// The true weights of `x1` and `x2`.
  public static let weights: (Double, Double) = (2, 3)
  /// The standard deviation of the Gaussian noise added to each target.
  public static let noiseStandardDeviation = 0.1

  /// `count` samples with `x1`, `x2` uniform in `[0, 1)` and
  /// `y = 2·x1 + 3·x2 + ε`, `ε ~ N(0, 0.1²)`, all drawn from `seed`.
  ///
  /// - Returns: a regression dataset with inputs `[count, 2]` and targets `[count, 1]`.
  /// - Precondition: `count >= 0`.
  public static func make<Scalar: TensorScalar>(
    count: Int, seed: UInt64, as type: Scalar.Type = Scalar.self
  ) -> Dataset<Scalar> {
    tensorPrecondition(count >= 0, "ToySequence.make: count \(count) is negative")
    var generator = SeededGenerator(seed: seed)
    let inputs = Tensor<Scalar>.random(shape: [count, 2], using: &generator)
    let noise = Tensor<Scalar>.randomNormal(
      shape: [count], standardDeviation: Scalar(noiseStandardDeviation), using: &generator)
    let x = inputs.scalars
    let epsilon = noise.scalars
    let (w1, w2) = (Scalar(weights.0), Scalar(weights.1))
    let y = (0..<count).map { w1 * x[2 * $0] + w2 * x[2 * $0 + 1] + epsilon[$0] }
    return Dataset(inputs: inputs, targets: Tensor(shape: [count, 1], scalars: y))
  }
}
