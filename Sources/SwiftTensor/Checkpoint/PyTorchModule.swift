/// One module of a PyTorch state dict and the SwiftTensor layer it maps onto: the unit of a
/// `PyTorchWeights` mapping.
///
/// `name` is the module's prefix in the state dict (`"rnn"` for `rnn.weight_ih_l0`, `"0"` for
/// the first module of an `nn.Sequential`); `path` is the layer's path in the SwiftTensor model
/// (`"lstm_0"`, the prefix of `lstm_0/W_x`).
///
/// | PyTorch | SwiftTensor | conversion |
/// | --- | --- | --- |
/// | `nn.Linear`: `weight` [out, in], `bias` [out] | `Affine`: `W` [in, out], `b` | transpose |
/// | `nn.Embedding`: `weight` [V, D] | `Embedding`: `table` [V, D] | none |
/// | `nn.LSTM`: `weight_ih_lk` [4h, in], `weight_hh_lk` [4h, h], `bias_ih_lk`, `bias_hh_lk` [4h] | `LSTM`: `W_x` [in, 4h], `W_h` [h, 4h], `b` [4h] | transpose, `b = b_ih + b_hh` |
/// | `nn.GRU`: the same with 3h | `GRU`: the same with 3h | transpose, see below |
/// | `nn.Conv1d`/`2d`, `nn.BatchNorm1d`/`2d`, `nn.LayerNorm`, `nn.GroupNorm` | `Conv1D`/`Conv2D`, `BatchNorm`, `LayerNorm`, `GroupNorm` | none (same names and layouts) |
/// | `nn.BatchNorm1d`/`2d(momentum=None)`: `num_batches_tracked` [] (`I64`) | `BatchNorm(momentum: nil)`: `num_batches_tracked` [] | integer ↔ `Scalar` |
/// | `nn.BatchNorm1d`/`2d(track_running_stats=False)`: no `running_*` | `BatchNorm(trackRunningStatistics: false)`: no buffers | none |
///
/// A batch norm with a numeric momentum has no `num_batches_tracked` (it reads no counter), so
/// loading skips PyTorch's (it is among the names returned) and export writes none.
///
/// Gate order is the same in both frameworks: `i, f, g, o` for LSTM and `r, z, n` for GRU, so
/// the gate blocks are not permuted. PyTorch's two bias vectors sum into SwiftTensor's one for
/// every LSTM gate and for the GRU's `r` and `z` gates. The GRU's `n` gate is
/// `tanh(W_in·x + b_in + r ∘ (W_hn·h + b_hn))` in PyTorch and
/// `tanh(x·W_x + b + r ∘ (h·W_h))` in SwiftTensor: `b_hn` is scaled by `r`, which a single bias
/// cannot express, so a nonzero `b_hn` is refused (`CheckpointError.unrepresentable`), never
/// loaded approximately; export writes `b_hh = 0`.
public struct PyTorchModule: Sendable, Equatable {
  /// The kinds of module the mapping converts.
  public enum Kind: Sendable, Equatable {
    /// `nn.Linear` → `Affine` (weight transposed).
    case linear
    /// `nn.Embedding` → `Embedding`.
    case embedding
    /// `nn.LSTM` with `layers` layers → `LSTM` (layer k at the path `path` with its counter
    /// advanced by k: `lstm_0`, `lstm_1`, ...).
    case lstm(layers: Int)
    /// `nn.GRU` with `layers` layers → `GRU`, numbered as for `lstm`.
    case gru(layers: Int)
    /// A module whose tensors have SwiftTensor's names and layouts (`weight`, `bias`,
    /// `running_mean`, `running_var`, `num_batches_tracked`): convolutions and normalisations.
    case sameNames
  }

  /// What kind of module it is.
  public let kind: Kind
  /// The module's prefix in the state dict, without the trailing dot.
  public let name: String
  /// The SwiftTensor layer's path (for a multi-layer LSTM or GRU, the bottom layer's).
  public let path: String

  /// Maps the module `name` of kind `kind` onto the layer at `path`.
  public init(_ kind: Kind, _ name: String, _ path: String) {
    self.kind = kind
    self.name = name
    self.path = path
  }

  /// `nn.Linear` `name` → the `Affine` at `path` (`affine_k`).
  public static func linear(_ name: String, _ path: String) -> PyTorchModule {
    PyTorchModule(.linear, name, path)
  }

  /// `nn.Embedding` `name` → the `Embedding` at `path` (`embedding_k`).
  public static func embedding(_ name: String, _ path: String) -> PyTorchModule {
    PyTorchModule(.embedding, name, path)
  }

  /// `nn.LSTM` `name` of `layers` layers → the `LSTM` whose bottom layer is at `path`.
  public static func lstm(_ name: String, _ path: String, layers: Int = 1) -> PyTorchModule {
    PyTorchModule(.lstm(layers: layers), name, path)
  }

  /// `nn.GRU` `name` of `layers` layers → the `GRU` whose bottom layer is at `path`.
  public static func gru(_ name: String, _ path: String, layers: Int = 1) -> PyTorchModule {
    PyTorchModule(.gru(layers: layers), name, path)
  }

  /// `nn.Conv1d`/`nn.Conv2d` `name` → the convolution at `path` (`conv2d_k`).
  public static func convolution(_ name: String, _ path: String) -> PyTorchModule {
    PyTorchModule(.sameNames, name, path)
  }

  /// `nn.BatchNorm1d`/`2d`, `nn.LayerNorm` or `nn.GroupNorm` `name` → the normalisation at
  /// `path` (`batchnorm_k`, `layernorm_k`, `groupnorm_k`); `num_batches_tracked` is read only
  /// into a `BatchNorm(momentum: nil)`, and skipped otherwise.
  public static func normalization(_ name: String, _ path: String) -> PyTorchModule {
    PyTorchModule(.sameNames, name, path)
  }

  /// The path of layer `layer` of a stack whose bottom layer is at `path`: `lstm_0` → `lstm_1`.
  func path(ofLayer layer: Int) -> String {
    guard layer > 0, let underscore = path.lastIndex(of: "_"),
      let first = Int(path[path.index(after: underscore)...])
    else { return path }
    return "\(path[..<underscore])_\(first + layer)"
  }

  /// The PyTorch name of `tensor` of this module.
  func torchName(_ tensor: String) -> String { name.isEmpty ? tensor : "\(name).\(tensor)" }
}
