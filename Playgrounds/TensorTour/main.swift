// A tour of SwiftTensor's numeric core: run it with `swift run -c release TensorTour`.
// It reads top to bottom; every printed value can be checked by hand or against numpy.
import Foundation
import SwiftTensor

/// Prints a line straight to standard output, so that it reaches a pipe or a log file as it is
/// printed rather than at exit (`print` buffers when the output is not a terminal).
func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let usage = """
  usage: TensorTour [--help]
  Prints a tour of tensors: creation, arithmetic, broadcasting, reductions,
  softmax, shapes and random numbers.
  It takes no options.
  """
switch Array(CommandLine.arguments.dropFirst()) {
case []: break
case ["--help"], ["-h"]:
  say(usage)
  exit(0)
case let arguments:
  FileHandle.standardError.write(
    Data("TensorTour: unexpected argument '\(arguments[0])'\n\(usage)\n".utf8))
  exit(2)
}

// Tensors are created from nested array literals, from a shape and flat scalars, or filled.
let a: Tensor<Float> = [[1, 2, 3], [4, 5, 6]]
say("a, shape \(a.shape):\n\(a)\n")

let b = Tensor<Float>(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1])
say("b:\n\(b)\n")

// Matrix product; the transpose flags cost nothing extra.
say("a · b:\n\(a.matmul(b))\n")
say("a · aᵀ:\n\(a.matmul(a, transposingOther: true))\n")

// Element-wise arithmetic broadcasts like numpy: a row vector is repeated down the rows.
let row: Tensor<Float> = [10, 20, 30]
say("a + row:\n\(a + row)\n")
say("a * 2 - 1:\n\(a * 2 - 1)\n")

// Comparisons give masks of 0 and 1, which multiply straight into arithmetic.
say("a where a > 2, else 0:\n\(a * (a .> 2))\n")

// Reductions along any axis, with or without keeping the reduced dimension.
say("sum over rows: \(a.sum(axis: 0))")
say("mean of each row: \(a.mean(axis: 1))")
say("max: \(a.max().scalar), argmax per row: \(a.argmax(axis: 1))\n")

// Softmax is numerically stable: logits of 1000 do not overflow.
let logits: Tensor<Float> = [[1000, 1001, 1002], [0, 0, 0]]
say("softmax:\n\(logits.softmax())\n")
say("log-softmax:\n\(logits.logSoftmax())\n")

// Shapes: reshape (with -1 inferred), transpose, slicing, concatenation, stacking.
let t = Tensor<Float>(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
say("t.reshaped(to: [4, -1]).shape = \(t.reshaped(to: [4, -1]).shape)")
say("t.transposed(permutation: [2, 0, 1]).shape = \(t.transposed(permutation: [2, 0, 1]).shape)")
say("t[1, 0..., 2] = \(t[1, 0..., 2])")
say("stack([a, a]).shape = \(Tensor.stack([a, a]).shape)\n")

// Seeded random tensors are the same on every platform.
let noise = Tensor<Float>.randomNormal(shape: [2, 4], seed: 42)
say("normal noise (seed 42):\n\(noise)\n")

// The same code runs in Double by changing the type.
let precise: Tensor<Double> = [[1, 2], [3, 4]]
say("in Double, exp:\n\(precise.exp())")
