"""numpy reference for the GEMM table printed by SwiftTensorBenchmarks.

Single-threaded, so that it compares with one SwiftTensor thread: the thread-count variables
must be set before numpy is imported, because BLAS reads them when it loads.

Usage: python3 Sources/SwiftTensorBenchmarks/numpy_reference.py [float] [double] [SIZE...]
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
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


def gemm_gflops(dtype, n):
    """GFLOPS of square n x n matrix multiplication (2n^3 operations) into a preallocated C."""
    rng = np.random.default_rng(12345)
    a = (rng.random((n, n)) - 0.5).astype(dtype)
    b = (rng.random((n, n)) - 0.5).astype(dtype)
    c = np.empty((n, n), dtype=dtype)
    seconds = median_seconds(lambda: np.matmul(a, b, out=c))
    return 2.0 * n ** 3 / seconds / 1e9


def main():
    args = sys.argv[1:]
    sizes = [int(x) for x in args if x.isdigit()] or [128, 256, 512, 1024]
    words = {x.lower() for x in args if not x.isdigit()}
    run_all = not words & {"float", "double"}
    print(f"| numpy {np.__version__} GEMM (GFLOPS, median of {SAMPLE_COUNT}) | "
          + " | ".join(f"n={n}" for n in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for word, name, dtype in (("float", "Float", np.float32), ("double", "Double", np.float64)):
        if run_all or word in words:
            row = [f"{gemm_gflops(dtype, n):.2f}" for n in sizes]
            print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
