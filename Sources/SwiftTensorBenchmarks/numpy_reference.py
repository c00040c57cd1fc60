"""numpy's figures for the cases SwiftTensorBenchmarks measures (GEMM, skinny GEMM, exp/tanh/
sigmoid on 1M float32, and the tape section's chain of operations on 1-element arrays without
autodiff), printed as JSON with the same names.

Usage: python3 numpy_reference.py [--threads N] [gemm] [skinny] [unary] [tape]
(default 1 thread; with no section names every section runs, as for SwiftTensorBenchmarks)

The thread count must be set before numpy is imported, because BLAS reads it when it loads.
"""
import json
import os
import sys

THREADS = "1"
if "--threads" in sys.argv:
    THREADS = sys.argv[sys.argv.index("--threads") + 1]
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = THREADS

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SAMPLE_COUNT = 7


def median_seconds(body, target=0.1):
    """Median over SAMPLE_COUNT samples of seconds per call, after a warm-up call."""
    start = time.perf_counter()
    body()
    once = time.perf_counter() - start
    repetitions = max(1, int(target / max(once, 1e-9)))
    samples = []
    for _ in range(SAMPLE_COUNT):
        start = time.perf_counter()
        for _ in range(repetitions):
            body()
        samples.append((time.perf_counter() - start) / repetitions)
    return statistics.median(samples)


def gemm_gflops(dtype, m, n, k):
    """GFLOPS of an [m, k] x [k, n] product (2mnk operations) into a preallocated result."""
    rng = np.random.default_rng(12345)
    a = (rng.random((m, k)) - 0.5).astype(dtype)
    b = (rng.random((k, n)) - 0.5).astype(dtype)
    c = np.empty((m, n), dtype=dtype)
    seconds = median_seconds(lambda: np.matmul(a, b, out=c))
    return 2.0 * m * n * k / seconds / 1e9


def unary_gelems(name):
    """Billions of float32 elements per second, into a preallocated output."""
    x = (np.arange(1 << 20) % 2000).astype(np.float32) / 100 - 10
    y = np.empty_like(x)
    if name == "exp":
        body = lambda: np.exp(x, out=y)  # noqa: E731
    elif name == "tanh":
        body = lambda: np.tanh(x, out=y)  # noqa: E731
    else:
        # numpy has no sigmoid: the usual spelling, four passes.
        def body():
            np.negative(x, out=y)
            np.exp(y, out=y)
            np.add(y, 1, out=y)
            np.reciprocal(y, out=y)
    return len(x) / median_seconds(body) / 1e9


def tiny_chain_ns(chain_length=10_000):
    """Nanoseconds per operation of SwiftTensorBenchmarks' `bare_tensor_ns_per_op` chain: tanh
    and a multiplication by 1.01 in turn on a 1-element float32 array, each a new array.

    It is what a Python program pays per small operation before any autodiff, and it shows the
    host's speed for allocation-bound code in the same minutes as the tape figures."""
    def chain():
        x = np.array([0.5], dtype=np.float32)
        scale = np.float32(1.01)
        for step in range(chain_length):
            x = np.tanh(x) if step % 2 == 0 else x * scale
    return median_seconds(chain) / chain_length * 1e9


def main():
    sections = {"gemm", "skinny", "unary", "tape"}
    selected = sections.intersection(arg.lower() for arg in sys.argv[1:]) or sections
    results = {}
    if "gemm" in selected:
        for n in (128, 256, 512, 1024):
            results[f"gemm_f32_{n}_gflops"] = gemm_gflops(np.float32, n, n, n)
            results[f"gemm_f64_{n}_gflops"] = gemm_gflops(np.float64, n, n, n)
    if "skinny" in selected:
        for m, k, n in ((1, 64, 30), (1, 1024, 1024), (32, 256, 1024), (64, 1024, 1024)):
            results[f"gemm_f32_{m}x{k}x{n}_gflops"] = gemm_gflops(np.float32, m, n, k)
    if "unary" in selected:
        for name in ("exp", "tanh", "sigmoid"):
            results[f"{name}_f32_1m_gelems"] = unary_gelems(name)
    if "tape" in selected:
        results["bare_tensor_ns_per_op"] = tiny_chain_ns()
    results["numpy_version"] = np.__version__
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
