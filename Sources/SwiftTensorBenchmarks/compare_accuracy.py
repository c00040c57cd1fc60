"""Issue 21's accuracy check: trains the wide MLP (64-256-256-10 relu, softmax cross-entropy,
Adam 1e-3, batch 64) on the digits with SwiftTensor, JAX and PyTorch from the same initial
weights, data and batch order, and prints each one's test accuracy and how far its final
parameters are from SwiftTensor's.

Usage (from the package root):
    swift build -c release --product SwiftTensorBenchmarks
    python3 Sources/SwiftTensorBenchmarks/compare_accuracy.py [--epochs N] [--python PATH]
        [--keep DIR]

`SwiftTensorBenchmarks --accuracy-check DIR` writes the initial parameters, the data and each
epoch's order into a temporary directory (or DIR with `--keep`, which is then left in place)
and trains (default 30 epochs); then jax_reference.py's and pytorch_reference.py's `accuracy DIR`
modes train from those files. `--python` is the interpreter that has jax, torch, numpy and
safetensors (default: /work/venv/bin/python when it exists, else the one running this script);
this script itself needs only the standard library, and SwiftTensor never needs Python.

The parameter difference is the largest over the six parameters of max|a - b| / max|b|, with b
SwiftTensor's (and, in the last column, JAX's) final value.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, ".build", "release", "SwiftTensorBenchmarks")
VENV_PYTHON = "/work/venv/bin/python"


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def run_json(command):
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({run.returncode}): {run.stderr.strip()}")
    return json.loads(run.stdout)


def show(value):
    return "—" if value is None else f"{value:.2e}"


def compare(directory, epochs, python):
    rows = [("SwiftTensor", run_json([BINARY, "--accuracy-check", directory,
                                      "--epochs", str(epochs)]))]
    # JAX first, so that PyTorch's run also measures its distance to JAX's final parameters.
    for name, script in [("JAX", "jax_reference.py"), ("PyTorch", "pytorch_reference.py")]:
        rows.append((name, run_json([python, os.path.join(HERE, script), "accuracy",
                                     directory])))
    versions = {"jax": rows[1][1].get("jax_version"), "torch": rows[2][1].get("torch_version")}
    print(f"{epochs} epochs, {int(rows[0][1]['steps'])} Adam steps; JAX {versions['jax']}, "
          f"PyTorch {versions['torch']} (CPU), float32")
    print()
    print("| framework | test accuracy | correct | max relative parameter difference vs "
          "SwiftTensor | vs JAX |")
    print("| --- | --- | --- | --- | --- |")
    for name, result in rows:
        print(f"| {name} | {result['test_accuracy']:.4f} | {int(result['test_correct'])}/"
              f"{int(result['test_count'])} "
              f"| {show(result.get('max_relative_parameter_difference_vs_swifttensor'))} "
              f"| {show(result.get('max_relative_parameter_difference_vs_jax'))} |")


def main():
    epochs = int(option("--epochs", "30"))
    python = option("--python", VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable)
    if not os.path.exists(BINARY):
        sys.exit(f"build first: swift build -c release --product SwiftTensorBenchmarks ({BINARY})")
    if "--keep" in sys.argv:
        compare(option("--keep", None), epochs, python)
    else:
        with tempfile.TemporaryDirectory(prefix="swifttensor-accuracy-") as directory:
            compare(directory, epochs, python)


if __name__ == "__main__":
    main()
