"""Runs SwiftTensorBenchmarks' `conv`, `gpt`, `mlp` and `lstm` sections and PyTorch's counterparts
(pytorch_reference.py) with one and two threads, in one run, and prints a Markdown table of both
and their ratio.

Usage (from the package root):
    swift build -c release --product SwiftTensorBenchmarks
    python3 Sources/SwiftTensorBenchmarks/compare_with_pytorch.py [--rounds N] [--python PATH]
        [--jax] [conv] [gpt] [mlp] [lstm]

With no section names all run (SwiftTensorBenchmarks' `mlp` section also times the batch-1
and batch-64 digits epochs, which PyTorch does not).
`--python` is the interpreter that has torch (default: /work/venv/bin/python when it exists,
else the one running this script). As in compare_with_numpy.py, each round measures both sides
of one thread count back to back, SwiftTensor first in even rounds and PyTorch first in odd
ones, so that the two sides of a ratio are seconds apart rather than a whole run apart on a
shared host whose speed drifts; the table gives the median over the rounds (default 3) of each
figure and of each round's ratio. The ratio is always SwiftTensor's speed over PyTorch's
(PyTorch ms / SwiftTensor ms, SwiftTensor samples/s / PyTorch samples/s): above 1 means
SwiftTensor is faster.

`--jax` compares with JAX instead (jax_reference.py: the `mlp` section's wide MLP as one
`jax.jit` step), alternating the sides in the same way; `--python` must then have jax.

A figure one side does not report (a SwiftTensorBenchmarks built before its section) shows
as "—". SwiftTensor itself never needs Python.
"""
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, ".build", "release", "SwiftTensorBenchmarks")
VENV_PYTHON = "/work/venv/bin/python"

# name -> True when higher is better (a rate), False for a time.
SECTIONS = {
    "conv": {"resnet_block_f32_ms": False, "digits_cnn_samples_per_s": True},
    "gpt": {"gpt_training_tokens_per_s": True},
    "mlp": {"wide_mlp_samples_per_s": True},
    "lstm": {"char_lstm_training_tokens_per_s": True},
}
JAX = "--jax" in sys.argv
if JAX:
    SECTIONS = {"mlp": SECTIONS["mlp"]}
SELECTED = [name for name in SECTIONS if name in sys.argv[1:]] or list(SECTIONS)
FIGURES = {name: higher for section in SELECTED for name, higher in SECTIONS[section].items()}
THREAD_COUNTS = [1, 2]


def known_sections():
    """The selected sections the built benchmark knows. An unknown section name makes
    SwiftTensorBenchmarks run every section (minutes), so this looks for the figures' names
    among the binary's string constants instead of trying it."""
    with open(BINARY, "rb") as binary:
        data = binary.read()
    return [section for section in SELECTED
            if any(name.encode() in data for name in SECTIONS[section])]


def swift(threads, sections):
    if not sections:
        return {}
    env = dict(os.environ, SWIFTTENSOR_NUM_THREADS=str(threads))
    run = subprocess.run([BINARY, "--json"] + sections, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"SwiftTensorBenchmarks failed ({run.returncode}): {run.stderr.strip()}",
              file=sys.stderr)
        return {}
    return json.loads(run.stdout)


def reference(python, threads):
    """The other framework's figures: PyTorch's, or JAX's with `--jax`."""
    if JAX:
        command = [python, os.path.join(HERE, "jax_reference.py"), "--threads", str(threads)]
    else:
        command = [python, os.path.join(HERE, "pytorch_reference.py"),
                   "--threads", str(threads)] + SELECTED
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def median(values):
    return statistics.median(values) if values else None


def show(value):
    if value is None:
        return "—"
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.1f}"


def main():
    rounds = 3
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
    python = VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable
    if "--python" in sys.argv:
        python = sys.argv[sys.argv.index("--python") + 1]
    if not os.path.exists(BINARY):
        sys.exit(f"build first: swift build -c release --product SwiftTensorBenchmarks ({BINARY})")
    ours_sections = known_sections()
    for section in SELECTED:
        if section not in ours_sections:
            print(f"note: {BINARY} has no {section} section yet; SwiftTensor's column is empty",
                  file=sys.stderr)

    samples = {}  # (name, threads) -> [(ours or None, theirs or None)]
    version = "?"
    load_before = os.getloadavg()[0]
    for round_index in range(rounds):
        for threads in THREAD_COUNTS:
            if round_index % 2 == 0:
                ours = swift(threads, ours_sections)
                theirs = reference(python, threads)
            else:
                theirs = reference(python, threads)
                ours = swift(threads, ours_sections)
            version = theirs.get("jax_version" if JAX else "torch_version", version)
            for name in FIGURES:
                samples.setdefault((name, threads), []).append((ours.get(name), theirs.get(name)))
    load_after = os.getloadavg()[0]

    other = "JAX" if JAX else "PyTorch"
    print(f"{other} {version}{'' if JAX else ' (CPU)'}; medians of {rounds} rounds; load average "
          f"{load_before:.2f} before, {load_after:.2f} after")
    print()
    print(f"| benchmark | threads | SwiftTensor | {other} | ratio: SwiftTensor speed / {other} "
          "speed (> 1: SwiftTensor faster) |")
    print("| --- | --- | --- | --- | --- |")
    for (name, threads), pairs in samples.items():
        ours = median([a for a, _ in pairs if a is not None])
        theirs = median([b for _, b in pairs if b is not None])
        # Each round's ratio from its own pair, then the median: the pairs share the host's
        # speed of their minute, which the medians of each side taken apart would not.
        if FIGURES[name]:
            ratios = [a / b for a, b in pairs if a is not None and b]
        else:
            ratios = [b / a for a, b in pairs if a and b is not None]
        ratio = median(ratios)
        print(f"| {name} | {threads} | {show(ours)} | {show(theirs)} "
              f"| {'—' if ratio is None else f'{ratio:.2f}'} |")


if __name__ == "__main__":
    main()
