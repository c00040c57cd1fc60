// The transformer block of GPT-2 and nanoGPT: two residual branches, each behind a LayerNorm.

/// A pre-LayerNorm transformer block: `h = x + attention(norm₁(x))`, then
/// `h + contract(gelu(expand(norm₂(h))))`, on `[batch, time, width]`.
///
/// It computes what this `@LayerBuilder` composition computes (and is tested against it):
///
/// ```swift
/// Residual {
///   LayerNorm([width])
///   MultiHeadAttention(width: width, heads: heads, causal: true)
/// }
/// Residual {
///   LayerNorm([width])
///   Affine(width, 4 * width, activation: .gelu(.tanh))
///   Affine(4 * width, width)
/// }
/// ```
///
/// and adds what generation needs: `callAsFunction(_:cache:)` runs new positions against a
/// key/value cache. With `dropoutRate` above 0, dropout follows each branch while training
/// (GPT-2's residual dropout). Parameters are registered under a `block` scope
/// (`block_0/layernorm_0/weight`, `block_0/attention_0/query/W`, `block_0/affine_0/W`, ...).
///
/// Complexity: O(batch·time·width²) for the projections and the MLP, plus
/// O(batch·time²·width) for the attention.
public struct TransformerBlock<Scalar: TensorScalar>: Layer {
  /// The LayerNorm before the attention.
  public let attentionNorm: LayerNorm<Scalar>
  /// The self-attention.
  public let attention: MultiHeadAttention<Scalar>
  /// The LayerNorm before the MLP.
  public let mlpNorm: LayerNorm<Scalar>
  /// The MLP's first layer, `width → hidden`, with the GELU fused.
  public let expand: Affine<Scalar>
  /// The MLP's second layer, `hidden → width`.
  public let contract: Affine<Scalar>
  /// The probability of dropping an element of each branch's output while training.
  public let dropoutRate: Double

  /// Creates the block and draws its parameters from `seed`.
  ///
  /// - Parameters:
  ///   - width: the features of each position, the input's last dimension.
  ///   - heads: the number of attention heads; each sees `width / heads` features.
  ///   - mlpRatio: the MLP's hidden width over `width` (4 in GPT-2).
  ///   - causal: whether each position attends only to itself and earlier positions (a
  ///     language model's block), or to every position (an encoder's).
  ///   - gelu: the MLP's GELU (GPT-2 uses the tanh form).
  ///   - attentionDropoutRate: dropout of the attention weights while training.
  ///   - dropoutRate: dropout of each branch's output while training.
  ///   - seed: the seed the parameters are drawn from.
  /// - Precondition: `heads` divides `width`; the rates are in `[0, 1)`.
  public init(
    width: Int, heads: Int, mlpRatio: Int = 4, causal: Bool = true,
    gelu: GELUApproximation = .tanh, attentionDropoutRate: Double = 0, dropoutRate: Double = 0,
    seed: UInt64 = 0
  ) {
    tensorPrecondition(
      mlpRatio > 0, "TransformerBlock: the MLP ratio \(mlpRatio) must be positive")
    tensorPrecondition(
      dropoutRate >= 0 && dropoutRate < 1,
      "TransformerBlock: dropout rate \(dropoutRate) is outside [0, 1)")
    attentionNorm = LayerNorm([width])
    attention = MultiHeadAttention(
      width: width, heads: heads, causal: causal, dropoutRate: attentionDropoutRate)
    mlpNorm = LayerNorm([width])
    expand = Affine(width, mlpRatio * width, activation: .gelu(gelu))
    contract = Affine(mlpRatio * width, width)
    self.dropoutRate = dropoutRate
    initializeParameters(seed: seed)
  }

  /// The block applied to `input`, `[batch, time, width]`.
  public func callAsFunction(_ input: Variable<Scalar>, context: LayerContext) -> Variable<Scalar> {
    let dropout = Dropout<Scalar>(rate: dropoutRate)
    let attended = attention(attentionNorm(input, context: context), context: context)
    let h = input + dropout(attended, context: context)
    let mlp = contract(expand(mlpNorm(h, context: context), context: context), context: context)
    return h + dropout(mlp, context: context)
  }

  /// The outputs for new positions during generation (inference, nothing recorded):
  /// `input` (`[batch, new, width]`) follows the positions whose keys and values `cache`
  /// holds; theirs join the cache. See `MultiHeadAttention.callAsFunction(_:cache:)`.
  public func callAsFunction(
    _ input: Tensor<Scalar>, cache: inout KeyValueCache<Scalar>
  ) -> Tensor<Scalar> {
    let context = LayerContext(isTraining: false, seed: 0)
    func run<L: Layer>(_ layer: L, _ x: Tensor<Scalar>) -> Tensor<Scalar>
    where L.Input == Variable<Scalar>, L.Output == Variable<Scalar> {
      layer(Variable(x, trainable: false), context: context).value
    }
    let h = input + attention(run(attentionNorm, input), cache: &cache)
    return h + run(contract, run(expand, run(mlpNorm, h)))
  }

  /// The parameters, under a `block` scope, in the order of the composition above.
  public func registerParameters(_ registrar: ParameterRegistrar<Scalar>) {
    registrar.layer("block") { scope in
      attentionNorm.registerParameters(scope)
      attention.registerParameters(scope)
      mlpNorm.registerParameters(scope)
      expand.registerParameters(scope)
      contract.registerParameters(scope)
    }
  }
}
