"""JAX's figure for the wide MLP SwiftTensorBenchmarks' `mlp` section measures, printed as JSON
with the same name.

Usage: /work/venv/bin/python jax_reference.py [--threads N]   (default 1 thread)
       /work/venv/bin/python jax_reference.py accuracy DIR

`wide_mlp_samples_per_s`: training samples per second of the 64-256-256-10 relu MLP,
softmax cross-entropy, Adam 1e-3 (written out: JAX itself has no optimisers), batch 64, on
random digits-shaped batches, the whole step (forward, backward, update) one `jax.jit`
function; the median over repeats of a few hundred steps, after a warm-up that compiles.

`accuracy DIR`: issue 21's accuracy check. Trains the same MLP, in float32, from the initial
parameters, data, batch order and hyperparameters `SwiftTensorBenchmarks --accuracy-check DIR`
wrote there (AccuracyCheck.swift describes the files), with the same written-out Adam as one
jitted step, and prints `test_accuracy` and, per parameter, max|a - b| / max|b| between its
final parameters (a) and DIR/final_swifttensor.safetensors (b).

Needs jax and numpy (and safetensors for `accuracy`); SwiftTensor itself never needs Python.
"""
import json
import os
import statistics
import sys
import time

THREADS = 1
if "--threads" in sys.argv:
    THREADS = int(sys.argv[sys.argv.index("--threads") + 1])
# XLA's CPU client reads its thread settings when it starts, so they are set before the import.
os.environ["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'} "
                           f"intra_op_parallelism_threads={THREADS}")
os.environ["OMP_NUM_THREADS"] = str(THREADS)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def initial_parameters(key):
    sizes = [(64, 256), (256, 256), (256, 10)]
    parameters = []
    for (fan_in, fan_out), subkey in zip(sizes, jax.random.split(key, len(sizes))):
        bound = 1 / np.sqrt(fan_in)
        weight = jax.random.uniform(subkey, (fan_in, fan_out), minval=-bound, maxval=bound)
        parameters.append((weight, jnp.zeros(fan_out)))
    return parameters


def loss(parameters, x, labels):
    for weight, bias in parameters[:-1]:
        x = jax.nn.relu(x @ weight + bias)
    weight, bias = parameters[-1]
    logits = x @ weight + bias
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


def adam_step(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One jitted training step: gradients, then Adam with its bias corrections folded into the
    step size and epsilon (the same update as p - lr * m_hat / (sqrt(v_hat) + epsilon))."""

    @jax.jit
    def step(parameters, first, second, count, x, labels):
        gradients = jax.grad(loss)(parameters, x, labels)
        count = count + 1
        first = jax.tree_util.tree_map(lambda m, g: beta1 * m + (1 - beta1) * g, first,
                                       gradients)
        second = jax.tree_util.tree_map(lambda v, g: beta2 * v + (1 - beta2) * g * g, second,
                                        gradients)
        size = learning_rate * jnp.sqrt(1 - beta2 ** count) / (1 - beta1 ** count)
        parameters = jax.tree_util.tree_map(
            lambda p, m, v: p - size * m / (jnp.sqrt(v) + epsilon * jnp.sqrt(1 - beta2 ** count)),
            parameters, first, second)
        return parameters, first, second, count

    return step


step = adam_step()


def wide_mlp_samples_per_s(steps=300, repeats=5, batch=64):
    key = jax.random.PRNGKey(0)
    parameters = initial_parameters(key)
    first = jax.tree_util.tree_map(jnp.zeros_like, parameters)
    second = jax.tree_util.tree_map(jnp.zeros_like, parameters)
    count = jnp.array(0.0)
    rng = np.random.default_rng(1)
    inputs = [jnp.asarray(rng.standard_normal((batch, 64), dtype=np.float32)) for _ in range(16)]
    labels = [jnp.asarray(rng.integers(0, 10, batch)) for _ in range(16)]

    def run(state, count_steps):
        for i in range(count_steps):
            state = step(*state, inputs[i % 16], labels[i % 16])
        jax.block_until_ready(state[0])
        return state

    state = run((parameters, first, second, count), 20)  # compiles
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        state = run(state, steps)
        rates.append(steps * batch / (time.perf_counter() - start))
    return statistics.median(rates)


def accuracy(directory):
    from accuracy_files import Run

    run = Run(directory)
    # SwiftTensor's weights are [in, out], as `x @ weight` wants, so they are used as stored.
    parameters = [(jnp.asarray(w), jnp.asarray(b)) for w, b in run.layers()]
    zeros = jax.tree_util.tree_map(jnp.zeros_like, parameters)
    state = (parameters, zeros, zeros, jnp.array(0.0))
    train_step = adam_step(run.learning_rate, *run.betas, run.epsilon)
    labels = run.train_labels.astype(np.int32)
    start = time.perf_counter()
    for rows in run.batches():
        state = train_step(*state, jnp.asarray(run.train_inputs[rows]), jnp.asarray(labels[rows]))
    parameters = jax.block_until_ready(state[0])
    seconds = time.perf_counter() - start
    x = jnp.asarray(run.test_inputs)
    for weight, bias in parameters[:-1]:
        x = jax.nn.relu(x @ weight + bias)
    predicted = jnp.argmax(x @ parameters[-1][0] + parameters[-1][1], axis=1)
    layers = [(np.asarray(w), np.asarray(b)) for w, b in parameters]
    return {**run.finish("jax", layers, predicted), "steps": int(state[3]), "seconds": seconds,
            "jax_version": jax.__version__}


if __name__ == "__main__":
    if "accuracy" in sys.argv:
        print(json.dumps(accuracy(sys.argv[sys.argv.index("accuracy") + 1]), indent=2))
    else:
        print(json.dumps({"wide_mlp_samples_per_s": wide_mlp_samples_per_s(),
                          "jax_version": jax.__version__, "threads": THREADS,
                          "load_average_1min": os.getloadavg()[0]}, indent=2))
