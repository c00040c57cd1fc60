"""Runs SwiftTensorBenchmarks and numpy on the same cases, with one and two threads, in one run,
and prints a Markdown table of both and their ratio.

Usage (from the package root):
    swift build -c release --product SwiftTensorBenchmarks
    python3 Sources/SwiftTensorBenchmarks/compare_with_numpy.py

Needs python3 with numpy; SwiftTensor itself never needs Python.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, ".build", "release", "SwiftTensorBenchmarks")


def swift(threads):
    env = dict(os.environ, SWIFTTENSOR_NUM_THREADS=str(threads))
    sections = ["gemm"] if threads > 1 else []
    out = subprocess.run([BINARY, "--json"] + sections, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def numpy(threads):
    out = subprocess.run([sys.executable, os.path.join(HERE, "numpy_reference.py"),
                          "--threads", str(threads)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"build first: swift build -c release --product SwiftTensorBenchmarks ({BINARY})")
    rows = []
    for threads in (1, 2):
        ours, theirs = swift(threads), numpy(threads)
        for name, value in ours.items():
            reference = theirs.get(name)
            ratio = f"{value / reference:.2f}" if reference else ""
            ref_text = f"{reference:.3f}" if reference else ""
            rows.append(f"| {name} | {threads} | {value:.3f} | {ref_text} | {ratio} |")
    print(f"numpy {theirs.get('numpy_version', '?')}; higher is better except ns and s")
    print("| benchmark | threads | SwiftTensor | numpy | ratio |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
