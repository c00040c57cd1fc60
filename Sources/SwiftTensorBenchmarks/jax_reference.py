"""JAX's figure for the wide MLP SwiftTensorBenchmarks' `mlp` section measures, printed as JSON
with the same name.

Usage: /work/venv/bin/python jax_reference.py [--threads N]   (default 1 thread)

`wide_mlp_samples_per_s`: training samples per second of the 64-256-256-10 relu MLP,
softmax cross-entropy, Adam 1e-3 (written out: JAX itself has no optimisers), batch 64, on
random digits-shaped batches, the whole step (forward, backward, update) one `jax.jit`
function; the median over repeats of a few hundred steps, after a warm-up that compiles.
Needs jax and numpy; SwiftTensor itself never needs Python.
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


@jax.jit
def step(parameters, first, second, count, x, labels):
    gradients = jax.grad(loss)(parameters, x, labels)
    count = count + 1
    first = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, first, gradients)
    second = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, second, gradients)
    size = 1e-3 * jnp.sqrt(1 - 0.999 ** count) / (1 - 0.9 ** count)
    parameters = jax.tree_util.tree_map(
        lambda p, m, v: p - size * m / (jnp.sqrt(v) + 1e-8 * jnp.sqrt(1 - 0.999 ** count)),
        parameters, first, second)
    return parameters, first, second, count


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


if __name__ == "__main__":
    print(json.dumps({"wide_mlp_samples_per_s": wide_mlp_samples_per_s(),
                      "jax_version": jax.__version__, "threads": THREADS,
                      "load_average_1min": os.getloadavg()[0]}, indent=2))
