"""Runs SwiftTensorBenchmarks and numpy on the same cases, with one and two threads, in one run,
and prints a Markdown table of both and their ratio.

Usage (from the package root):
    swift build -c release --product SwiftTensorBenchmarks
    python3 Sources/SwiftTensorBenchmarks/compare_with_numpy.py [--rounds N]

Each round measures one section at a time (GEMM, skinny GEMM, element-wise, the tape's chain of
1-element operations; GEMM with one and then two threads) on both sides back to back,
SwiftTensor first in even rounds and numpy first in odd ones, so that the two sides of a ratio
are seconds apart rather than a whole run apart on a shared host whose speed drifts. For the
tape section numpy has only the chain without autodiff (`bare_tensor_ns_per_op`), which doubles
as a gauge of the host's speed in those seconds. The training sections, which numpy has no counterpart for, run after each round. The
table gives the median over the rounds of each figure and of each ratio (default 3 rounds); for
times (ns, s) a ratio under 1 means SwiftTensor is faster.

Needs python3 with numpy; SwiftTensor itself never needs Python.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, ".build", "release", "SwiftTensorBenchmarks")


def swift(threads, sections):
    env = dict(os.environ, SWIFTTENSOR_NUM_THREADS=str(threads))
    out = subprocess.run([BINARY, "--json"] + sections, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def numpy(threads, sections):
    out = subprocess.run([sys.executable, os.path.join(HERE, "numpy_reference.py"),
                          "--threads", str(threads)] + sections, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


# (section, threads) pairs measured on both sides, in order.
COMPARED = [("gemm", 1), ("skinny", 1), ("unary", 1), ("tape", 1), ("gemm", 2)]
# Sections only SwiftTensor has, run with every core as a user's training would (only the
# LSTM's products and recurrent steps use more than one).
FRAMEWORK = ["mlp", "lstm"]
CORES = os.cpu_count() or 1


def show(value):
    """Three decimals, or four significant digits for figures under 1 (seconds per epoch)."""
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.3f}"


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"build first: swift build -c release --product SwiftTensorBenchmarks ({BINARY})")
    rounds = 3
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
    samples = {}  # (name, threads) -> [(ours, theirs or None)]
    version = "?"
    for round_index in range(rounds):
        for section, threads in COMPARED:
            if round_index % 2 == 0:
                ours = swift(threads, [section])
                theirs = numpy(threads, [section])
            else:
                theirs = numpy(threads, [section])
                ours = swift(threads, [section])
            version = theirs.get("numpy_version", version)
            for name, value in ours.items():
                samples.setdefault((name, threads), []).append((value, theirs.get(name)))
        for name, value in swift(CORES, FRAMEWORK).items():
            samples.setdefault((name, CORES), []).append((value, None))
    print(f"numpy {version}; medians of {rounds} rounds; higher is better except ns and s")
    print("| benchmark | threads | SwiftTensor | numpy | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for (name, threads), pairs in samples.items():
        ours = median([a for a, _ in pairs])
        references = [b for _, b in pairs if b]
        if references:
            ratio = median([a / b for a, b in pairs if b])
            print(f"| {name} | {threads} | {show(ours)} | {show(median(references))} "
                  f"| {ratio:.2f} |")
        else:
            print(f"| {name} | {threads} | {show(ours)} |  |  |")


if __name__ == "__main__":
    main()
