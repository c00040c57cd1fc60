// Renaming the tensors of a checkpoint, so that weights saved under another framework's names
// (PyTorch's `0.weight`, `1.running_mean`) load into a model by its parameter paths
// (`conv2d_0/weight`, `batchnorm_0/running_mean`); see docs/PYTORCH_WEIGHTS.md.

extension SafeTensors {
  /// A copy with each tensor renamed by `rename`, or left out where `rename` returns `nil`.
  ///
  /// The tensors keep their order, dtype, shape and bytes, and the metadata is kept. Use it to
  /// load a PyTorch state dictionary into a model with `Model.load(_:source:strict:)`:
  ///
  /// ```swift
  /// let modules = ["0": "conv2d_0", "1": "batchnorm_0", "3": "conv2d_1", "4": "batchnorm_1"]
  /// let weights = try SafeTensors(contentsOf: url).renamed { name in
  ///   let parts = name.split(separator: ".", maxSplits: 1)
  ///   guard parts.count == 2, let path = modules[String(parts[0])] else { return nil }
  ///   return "\(path)/\(parts[1])"
  /// }
  /// ```
  ///
  /// - Parameter rename: the new name of the tensor of each name, or `nil` to drop it; called
  ///   once per tensor, in order.
  /// - Returns: the renamed checkpoint.
  /// - Precondition: no two kept tensors get the same name (the message names both), and no
  ///   tensor is renamed `__metadata__`.
  /// - Complexity: O(n) in the number of bytes (one copy).
  public func renamed(_ rename: (String) -> String?) -> SafeTensors {
    var result = SafeTensors()
    result.metadata = metadata
    var sources: [String: String] = [:]
    for entry in entries {
      guard let name = rename(entry.name) else { continue }
      if let earlier = sources[name] {
        tensorFailure(
          "SafeTensors.renamed: '\(earlier)' and '\(entry.name)' are both renamed '\(name)'")
      }
      sources[name] = entry.name
      result.insert(Entry(name: name, dtype: entry.dtype, shape: entry.shape, bytes: entry.bytes))
    }
    return result
  }

  /// A copy with the tensors named by the keys of `names` renamed to their values, and every
  /// other tensor kept under its own name.
  ///
  /// ```swift
  /// let weights = file.renamed([
  ///   "conv1d.weight": "conv1d_0/weight", "conv1d.bias": "conv1d_0/bias",
  /// ])
  /// ```
  ///
  /// Names in `names` that the checkpoint does not hold are ignored. A non-strict
  /// `Model.load(_:source:strict:)` skips the tensors left under their own names (and returns
  /// them); use `renamed(_:)` with a closure to drop them instead.
  ///
  /// - Parameter names: new names by old name.
  /// - Returns: the renamed checkpoint.
  /// - Precondition: no two tensors get the same name, such as a tensor renamed to the name of
  ///   one that is kept (the message names both).
  public func renamed(_ names: [String: String]) -> SafeTensors {
    renamed { names[$0] ?? $0 }
  }
}
