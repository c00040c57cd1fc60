"""Runs SwiftTensorBenchmarks and numpy on the same cases, with one and two threads, in one run,
and prints a Markdown table of both and their ratio.

Usage (from the package root):
    swift build -c release --product SwiftTensorBenchmarks
    python3 Sources/SwiftTensorBenchmarks/compare_with_numpy.py [--rounds N]

Each round runs SwiftTensor and then numpy, for one and then two threads; the table gives the
median over the rounds of each figure and of each ratio (default 3 rounds), so that a change in
the machine's speed during the run (a shared host) moves both sides rather than one.

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
    for _ in range(rounds):
        for threads in (1, 2):
            ours, theirs = swift(threads), numpy(threads)
            version = theirs.get("numpy_version", version)
            for name, value in ours.items():
                samples.setdefault((name, threads), []).append((value, theirs.get(name)))
    print(f"numpy {version}; medians of {rounds} rounds; higher is better except ns and s")
    print("| benchmark | threads | SwiftTensor | numpy | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for (name, threads), pairs in samples.items():
        ours = median([a for a, _ in pairs])
        references = [b for _, b in pairs if b]
        if references:
            ratio = median([a / b for a, b in pairs if b])
            print(f"| {name} | {threads} | {ours:.3f} | {median(references):.3f} | {ratio:.2f} |")
        else:
            print(f"| {name} | {threads} | {ours:.3f} |  |  |")


if __name__ == "__main__":
    main()
