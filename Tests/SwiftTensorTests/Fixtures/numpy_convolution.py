"""Writes NumpyConvolutionFixtures.swift: small conv1d/conv2d cases with float64 numpy results
(output and the vector-Jacobian products with a given upstream gradient) for SwiftTensor's
convolution to be compared with.

    python3 Tests/SwiftTensorTests/Fixtures/numpy_convolution.py > Tests/SwiftTensorTests/NumpyConvolutionFixtures.swift

numpy only (float64), so that the reference does not share code or rounding with any framework;
the semantics are PyTorch's: NC(H)W input, O(I/groups)(H)W weight, cross-correlation, symmetric
zero padding, and padding="same" as stride 1 with d*(k-1) total padding, the odd one on the
right/bottom. The formulation is the textbook one: one kernel tap at a time, the strided window
of the padded input that the tap sees, contracted over the group's input channels.
"""
import itertools

import numpy as np

rng = np.random.default_rng(20261206)


def values(*shape):
    # Four decimals: short literals keep the Swift file small and readable.
    return rng.uniform(-2, 2, size=shape).round(4)


def pads(kernel, padding, same, dilation):
    """(before, after) zero padding per spatial axis."""
    if same:
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in padding]


def window(tap, stride, dilation, out_shape):
    """Index of the padded input that kernel tap `tap` meets at every output position."""
    return (Ellipsis,) + tuple(
        slice(t * d, t * d + s * (o - 1) + 1, s)
        for t, s, d, o in zip(tap, stride, dilation, out_shape))


def convolution(x, w, b, dy, stride, padding, same, dilation, groups):
    """Returns (y, dx, dw, db) for y = conv(x, w) + b and the upstream gradient dy (db is None
    without a bias). dy may be None, to get the output shape first."""
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    spatial = x.shape[2:]
    assert c == cg * groups and o % groups == 0
    pad = pads(kernel, padding, same, dilation)
    padded_shape = [size + lo + hi for size, (lo, hi) in zip(spatial, pad)]
    out_shape = [(p - d * (k - 1) - 1) // s + 1
                 for p, k, s, d in zip(padded_shape, kernel, stride, dilation)]
    og = o // groups
    xp = np.zeros((n, c, *padded_shape))
    xp[(Ellipsis,) + tuple(slice(lo, lo + size) for size, (lo, _) in zip(spatial, pad))] = x
    # Channels split as (group, channel within group) so that one einsum covers every group.
    xg = xp.reshape(n, groups, cg, *padded_shape)
    wg = w.reshape(groups, og, cg, *kernel)
    y = np.zeros((n, groups, og, *out_shape))
    taps = list(itertools.product(*(range(k) for k in kernel)))
    # Explicit spatial subscripts: numpy cannot sum an ellipsis away.
    hw = "hwd"[:len(spatial)]
    for tap in taps:
        seen = xg[window(tap, stride, dilation, out_shape)]
        y += np.einsum(f"ngc{hw},goc->ngo{hw}", seen, wg[(Ellipsis,) + tap])
    y = y.reshape(n, o, *out_shape)
    if b is not None:
        y += b.reshape((1, o) + (1,) * len(spatial))
    if dy is None:
        return y, None, None, None
    dyg = dy.reshape(n, groups, og, *out_shape)
    dxg = np.zeros_like(xg)
    dwg = np.zeros_like(wg)
    for tap in taps:
        index = window(tap, stride, dilation, out_shape)
        # The same contraction read the other way: each tap scatters into the input positions it
        # saw (overlapping windows add up) and collects its weight's share of dy.
        dxg[index] += np.einsum(f"ngo{hw},goc->ngc{hw}", dyg, wg[(Ellipsis,) + tap])
        dwg[(Ellipsis,) + tap] = np.einsum(f"ngc{hw},ngo{hw}->goc", xg[index], dyg)
    dx = dxg.reshape(n, c, *padded_shape)[
        (Ellipsis,) + tuple(slice(lo, lo + size) for size, (lo, _) in zip(spatial, pad))]
    db = None if b is None else dy.sum(axis=(0,) + tuple(range(2, dy.ndim)))
    return y, dx, dwg.reshape(w.shape), db


# name, input shape, weight shape, stride, padding, same, dilation, groups, bias
CASES = [
    ("conv1d_plain", (2, 3, 7), (4, 3, 3), [1], [0], False, [1], 1, True),
    ("conv1d_stride2_padding2", (2, 2, 9), (3, 2, 4), [2], [2], False, [1], 1, True),
    ("conv1d_same_even_kernel", (1, 3, 8), (2, 3, 4), [1], [0], True, [1], 1, True),
    ("conv1d_same_dilation2_groups2_no_bias", (2, 4, 9), (6, 2, 3), [1], [0], True, [2], 2,
     False),
    ("conv2d_plain", (2, 3, 5, 5), (4, 3, 3, 3), [1, 1], [0, 0], False, [1, 1], 1, True),
    ("conv2d_stride2_padding1", (2, 2, 7, 7), (3, 2, 3, 3), [2, 2], [1, 1], False, [1, 1], 1,
     True),
    ("conv2d_padding2", (1, 2, 4, 5), (3, 2, 3, 3), [1, 1], [2, 2], False, [1, 1], 1, True),
    ("conv2d_same_odd_kernel", (1, 2, 6, 6), (3, 2, 3, 3), [1, 1], [0, 0], True, [1, 1], 1,
     True),
    ("conv2d_same_even_kernel", (1, 2, 5, 6), (2, 2, 2, 4), [1, 1], [0, 0], True, [1, 1], 1,
     True),
    ("conv2d_dilation2", (1, 2, 8, 8), (2, 2, 3, 3), [1, 1], [1, 1], False, [2, 2], 1, True),
    ("conv2d_groups2", (2, 4, 5, 5), (6, 2, 3, 3), [1, 1], [1, 1], False, [1, 1], 2, True),
    ("conv2d_depthwise", (1, 3, 6, 6), (6, 1, 3, 3), [1, 1], [1, 1], False, [1, 1], 3, True),
    ("conv2d_nonsquare_kernel_asymmetric_stride_no_bias", (2, 2, 7, 8), (3, 2, 2, 3), [2, 1],
     [1, 0], False, [1, 1], 1, False),
    ("conv2d_output_1x1", (2, 3, 3, 3), (4, 3, 3, 3), [1, 1], [0, 0], False, [1, 1], 1, True),
    ("conv2d_mixed_stride_padding_dilation_groups", (1, 4, 7, 6), (4, 2, 3, 2), [1, 2], [2, 1],
     False, [2, 1], 2, True),
]


def literal(array):
    array = np.asarray(array, dtype=np.float64)
    assert array.size <= 300, array.shape
    flat = ", ".join(repr(float(v)) for v in array.ravel())
    return f"({list(array.shape)}, [{flat}])"


def optional(array):
    return "nil" if array is None else literal(array)


def generate():
    """Every case with its inputs and numpy's results, as a dict; the order is fixed, so the
    random inputs are the same on every run (and for a cross-check importing this module)."""
    for name, xs, ws, stride, padding, same, dilation, groups, has_bias in CASES:
        x, w = values(*xs), values(*ws)
        b = values(ws[0]) if has_bias else None
        # dy needs the output's shape, which the forward pass alone gives.
        y, _, _, _ = convolution(x, w, b, None, stride, padding, same, dilation, groups)
        dy = values(*y.shape)
        y, dx, dw, db = convolution(x, w, b, dy, stride, padding, same, dilation, groups)
        yield dict(name=name, stride=stride, padding=padding, same=same, dilation=dilation,
                   groups=groups, x=x, w=w, b=b, dy=dy, y=y, dx=dx, dw=dw, db=db)


def main():
    print("// swift-format-ignore-file")
    print("// Generated by Fixtures/numpy_convolution.py (numpy, float64); do not edit.")
    print()
    print("struct ConvolutionReferenceCase {")
    print("  let name: String")
    print("  let stride: [Int]  // one entry per spatial axis")
    print("  let padding: [Int]  // symmetric zero padding per axis; ignored when `same`")
    print("  let same: Bool  // padding \"same\": total d*(k-1), the odd one on the right/bottom")
    print("  let dilation: [Int]")
    print("  let groups: Int")
    print("  let input: (shape: [Int], scalars: [Double])")
    print("  let weight: (shape: [Int], scalars: [Double])")
    print("  let bias: (shape: [Int], scalars: [Double])?")
    print("  let outputGradient: (shape: [Int], scalars: [Double])  // the upstream gradient dy")
    print("  let output: (shape: [Int], scalars: [Double])")
    print("  let inputGradient: (shape: [Int], scalars: [Double])  // vector-Jacobian products with dy")
    print("  let weightGradient: (shape: [Int], scalars: [Double])")
    print("  let biasGradient: (shape: [Int], scalars: [Double])?  // dy summed over batch and space")
    print("}")
    print()
    print("enum NumpyConvolutionReference {")
    print("  static let cases: [ConvolutionReferenceCase] = [")
    for case in generate():
        same = "true" if case["same"] else "false"
        print("    ConvolutionReferenceCase(")
        print(f'      name: "{case["name"]}", stride: {case["stride"]}, '
              f'padding: {case["padding"]}, same: {same}, '
              f'dilation: {case["dilation"]}, groups: {case["groups"]},')
        print(f'      input: {literal(case["x"])},')
        print(f'      weight: {literal(case["w"])},')
        print(f'      bias: {optional(case["b"])},')
        print(f'      outputGradient: {literal(case["dy"])},')
        print(f'      output: {literal(case["y"])},')
        print(f'      inputGradient: {literal(case["dx"])},')
        print(f'      weightGradient: {literal(case["dw"])},')
        print(f'      biasGradient: {optional(case["db"])}),')
    print("  ]")
    print("}")


if __name__ == "__main__":
    main()
