extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
  /// The scalars laid out as numpy 2.x's `str(array)` prints them with default print options.
  ///
  /// - Nested brackets, one innermost row per line, inner rows indented under the outer
  ///   bracket, and `rank - 2` blank lines between the blocks of a rank-3+ tensor.
  /// - Every value padded to a common width. Positional notation shows up to 8 fraction
  ///   digits with trailing zeros trimmed (`[0.5  1.25]`, `[1. 2. 3.]`); scientific notation
  ///   (`[1.e-05 1.e+10]`) is used when a non-zero magnitude is below `1e-4`, at least `1e8`
  ///   (`1e6` for `Float`), or the largest is more than 1000 times the smallest.
  /// - Digits are the shortest that identify the value in its own type (a `Float` 0.1 prints as
  ///   `0.1`); `nan`, `inf`, `-inf` and `-0.` are printed as numpy does.
  /// - Rows longer than 75 characters wrap onto continuation lines.
  /// - A tensor of more than 1000 scalars is summarised: axes longer than 6 show their first 3
  ///   and last 3 entries around `...`.
  /// - A rank-0 tensor prints as its bare scalar (`1.5`, `1e+10`), like numpy's scalar `str()`;
  ///   a tensor with no scalars prints as `[]`.
  ///
  /// ```swift
  /// print(Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
  /// // [[1. 2. 3.]
  /// //  [4. 5. 6.]]
  /// ```
  public var description: String { _layout(prefixWidth: 0, suffixWidth: 0) }

  /// The element type, shape and scalars, laid out like numpy's `repr(array)`: the scalars as in
  /// `description`, with continuation lines aligned under the first bracket.
  ///
  /// ```swift
  /// debugPrint(Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4]))
  /// // Tensor<Float>(shape: [2, 2], [[1. 2.]
  /// //                               [3. 4.]])
  /// ```
  public var debugDescription: String {
    let prefix = "Tensor<\(Scalar.self)>(shape: \(describe(shape: shape)), "
    return prefix + _layout(prefixWidth: prefix.count, suffixWidth: 1) + ")"
  }

  /// numpy's `array2string` with default options (line width 75, threshold 1000, 3 edge items);
  /// continuation lines are indented by `prefixWidth` more, and the last line keeps
  /// `suffixWidth` characters free.
  private func _layout(prefixWidth: Int, suffixWidth: Int) -> String {
    withUnsafeBufferPointer { buffer in
      if rank == 0 { return _FloatFormatter<Scalar>.scalarString(buffer[0]) }
      if buffer.isEmpty { return "[]" }
      let printer = _ArrayPrinter(
        shape: shape, strides: Tensor.contiguousStrides(of: shape), scalars: buffer,
        summarize: buffer.count > 1000)
      return printer.render(
        lineWidth: 75 - suffixWidth,
        prefix: String(repeating: " ", count: 1 + prefixWidth))
    }
  }
}

/// The recursive layout of numpy's `_formatArray` over a contiguous row-major buffer.
private struct _ArrayPrinter<Scalar: TensorScalar> {
  /// The tensor's shape (rank at least 1, no zero dimension).
  let shape: [Int]
  /// Row-major strides of `shape`.
  let strides: [Int]
  /// All scalars.
  let scalars: UnsafeBufferPointer<Scalar>
  /// Whether to show only the edge items of long axes.
  let summarize: Bool
  /// Entries shown at each end of a summarised axis.
  let edgeItems = 3
  /// Formats a scalar to the common width.
  private(set) var formatter = _FloatFormatter<Scalar>(values: [])

  init(shape: [Int], strides: [Int], scalars: UnsafeBufferPointer<Scalar>, summarize: Bool) {
    self.shape = shape
    self.strides = strides
    self.scalars = scalars
    self.summarize = summarize
    var shown: [Scalar] = []
    if summarize {
      collectShown(axis: 0, offset: 0, into: &shown)
    } else {
      shown = Array(scalars)
    }
    formatter = _FloatFormatter(values: shown)
  }

  /// The indices shown along `axis`: all, or the first and last `edgeItems` (nil marks `...`).
  private func shownIndices(axis: Int) -> [Int?] {
    let length = shape[axis]
    guard summarize && 2 * edgeItems < length else { return Array(0..<length) }
    return Array(0..<edgeItems) + [nil] + Array((length - edgeItems)..<length)
  }

  /// Appends the scalars that will be shown, in order.
  private func collectShown(axis: Int, offset: Int, into shown: inout [Scalar]) {
    for case let index? in shownIndices(axis: axis) {
      let position = offset + index * strides[axis]
      if axis == shape.count - 1 {
        shown.append(scalars[position])
      } else {
        collectShown(axis: axis + 1, offset: position, into: &shown)
      }
    }
  }

  /// The whole tensor; `prefix` starts every continuation line.
  func render(lineWidth: Int, prefix: String) -> String {
    render(axis: 0, offset: 0, hangingIndent: prefix, width: lineWidth)
  }

  /// The sub-array at `offset` spanning axes `axis...`, in brackets.
  private func render(axis: Int, offset: Int, hangingIndent: String, width: Int) -> String {
    let indices = shownIndices(axis: axis)
    var text = ""
    if axis == shape.count - 1 {
      // Innermost axis: words separated by spaces, wrapped to the line width.
      let elementWidth = width - 1
      var line = hangingIndent
      for (position, index) in indices.enumerated() {
        let word = index.map { formatter.format(scalars[offset + $0]) } ?? "..."
        if line.count + word.count > elementWidth && line.count > hangingIndent.count {
          text += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
          line = hangingIndent
        }
        line += word
        if position < indices.count - 1 { line += " " }
      }
      text += line
    } else {
      let separator = String(repeating: "\n", count: shape.count - axis - 1)
      for (position, index) in indices.enumerated() {
        text += hangingIndent
        if let index {
          text += render(
            axis: axis + 1, offset: offset + index * strides[axis],
            hangingIndent: hangingIndent + " ", width: width - 1)
        } else {
          text += "..."
        }
        if position < indices.count - 1 { text += separator }
      }
    }
    return "[" + text.dropFirst(hangingIndent.count) + "]"
  }
}
