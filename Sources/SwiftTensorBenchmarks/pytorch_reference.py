"""PyTorch's figures for the convolution cases SwiftTensorBenchmarks measures, printed as JSON
with the same names.

Usage: /work/venv/bin/python pytorch_reference.py [--threads N] [conv]
(default 1 thread; with no section names every section runs, as for SwiftTensorBenchmarks)

Needs torch (the CPU build) and numpy; SwiftTensor itself never needs Python.

- `resnet_block_f32_ms`: median milliseconds of one forward and backward pass of
  Conv2d(64, 64, 3, padding=1, bias=False) -> BatchNorm2d(64) (train mode) -> ReLU on a
  [32, 64, 32, 32] float32 batch, with the gradients of the input (as for a block inside a
  network, as SwiftTensorBenchmarks computes them) and of the weights, loss = sum.
- `digits_cnn_samples_per_s`: training samples per second of the Digits CNN
  (Conv2d(1, 16, 3, padding=1) ReLU MaxPool2d(2) Conv2d(16, 32, 3, padding=1) ReLU MaxPool2d(2)
  Flatten Linear(128, 10)), Adam lr 1e-3, cross-entropy, batches of 64 random 8x8 images with
  random labels; the median over repeats of a few hundred steps each.
"""
import json
import os
import statistics
import sys
import time

THREADS = 1
if "--threads" in sys.argv:
    THREADS = int(sys.argv[sys.argv.index("--threads") + 1])

import torch  # noqa: E402
from torch import nn  # noqa: E402

# Intra-op threads are the cores a kernel splits over, the counterpart of
# SWIFTTENSOR_NUM_THREADS; inter-op parallelism (independent ops at once) has no counterpart in
# SwiftTensor, so it stays at one. Both must be set before torch runs anything.
torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)


def resnet_block_ms(warmup=3, iterations=10):
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64),
                          nn.ReLU())
    block.train()
    x = torch.randn(32, 64, 32, 32, requires_grad=True)

    def step():
        # set_to_none, so that every step allocates its gradients as the first one does, rather
        # than timing an accumulation into existing buffers.
        block.zero_grad(set_to_none=True)
        x.grad = None
        block(x).sum().backward()

    for _ in range(warmup):
        step()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def digits_cnn_samples_per_s(steps=300, repeats=5, batch=64):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    # A fixed pool of batches made up front, so the timing is the training step alone, not the
    # random number generator; cycling through several avoids fitting a single batch.
    images = torch.randn(16, batch, 1, 8, 8)
    labels = torch.randint(0, 10, (16, batch))

    def run(count):
        for step in range(count):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(images[step % 16]), labels[step % 16])
            loss.backward()
            optimizer.step()

    run(20)  # warm-up: the allocator's caches and Adam's state
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(steps)
        rates.append(steps * batch / (time.perf_counter() - start))
    return statistics.median(rates)


def main():
    sections = {"conv"}
    selected = sections.intersection(arg.lower() for arg in sys.argv[1:]) or sections
    results = {}
    if "conv" in selected:
        results["resnet_block_f32_ms"] = resnet_block_ms()
        results["digits_cnn_samples_per_s"] = digits_cnn_samples_per_s()
    results["torch_version"] = torch.__version__
    results["torch_threads"] = torch.get_num_threads()
    # PyTorch's OpenMP threads spin while they wait for each other, so with two threads on a
    # two-core host that is also busy with something else the figures collapse (the Digits CNN,
    # whose operations are small, by up to ten times); the load says whether a run was alone.
    results["load_average_1min"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
