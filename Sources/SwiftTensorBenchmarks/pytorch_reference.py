"""PyTorch's figures for the convolution cases SwiftTensorBenchmarks measures, printed as JSON
with the same names.

Usage: /work/venv/bin/python pytorch_reference.py [--threads N] [conv] [gpt] [mlp] [lstm]
(default 1 thread; with no section names every section runs, as for SwiftTensorBenchmarks)
       /work/venv/bin/python pytorch_reference.py accuracy DIR

Needs torch (the CPU build) and numpy; SwiftTensor itself never needs Python.

- `resnet_block_f32_ms`: median milliseconds of one forward and backward pass of
  Conv2d(64, 64, 3, padding=1, bias=False) -> BatchNorm2d(64) (train mode) -> ReLU on a
  [32, 64, 32, 32] float32 batch, with the gradients of the input (as for a block inside a
  network, as SwiftTensorBenchmarks computes them) and of the weights, loss = sum.
- `digits_cnn_samples_per_s`: training samples per second of the Digits CNN
  (Conv2d(1, 16, 3, padding=1) ReLU MaxPool2d(2) Conv2d(16, 32, 3, padding=1) ReLU MaxPool2d(2)
  Flatten Linear(128, 10)), Adam lr 1e-3, cross-entropy, batches of 64 random 8x8 images with
  random labels; the median over repeats of a few hundred steps each.
- `gpt_training_tokens_per_s`: training tokens per second of the ShakespeareGPT configuration
  (vocabulary 65, context 64, 4 pre-LayerNorm blocks of 4 heads, width 128, MLP 4x with tanh
  GELU, learned positions, dropout 0, causal `F.scaled_dot_product_attention`, tied nothing),
  AdamW lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on the weight matrices only, batch 32,
  cross-entropy over every position; random windows of random tokens (the speed does not
  depend on the text); the median over repeats of a few dozen steps each.
- `wide_mlp_samples_per_s`: training samples per second of the 64-256-256-10 relu MLP,
  cross-entropy, Adam 1e-3, batch 64, random digits-shaped batches.
- `char_lstm_training_tokens_per_s`: training tokens per second of the Shakespeare model
  (`nn.Embedding(65, 64)`, `nn.LSTM(64, 256)`, `nn.Linear(256, 65)`, Adam 2e-3, gradient norm
  clipped to 5, batch 32 x 64) on random tokens.
- `accuracy DIR`: issue 21's accuracy check (see jax_reference.py's): the wide MLP trained from
  DIR's files with `torch.optim.Adam` in float32; needs safetensors too.
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
from torch.nn import functional  # noqa: E402

# Intra-op threads are the cores a kernel splits over, the counterpart of
# SWIFTTENSOR_NUM_THREADS; inter-op parallelism (independent ops at once) has no counterpart in
# SwiftTensor, so it stays at one. Both must be set before torch runs anything.
torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)


def median_rate(run, warmup, steps, repeats, items_per_step):
    """Runs `run(warmup)`, then the median over `repeats` timings of `run(steps)` in items per
    second (`items_per_step` samples or tokens per step)."""
    run(warmup)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(steps)
        rates.append(steps * items_per_step / (time.perf_counter() - start))
    return statistics.median(rates)


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

    # The warm-up fills the allocator's caches and Adam's state.
    return median_rate(run, 20, steps, repeats, batch)


class Block(nn.Module):
    """Pre-LayerNorm transformer block, as nanoGPT's, with separate Q/K/V projections."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.output = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.expand = nn.Linear(width, 4 * width)
        self.contract = nn.Linear(4 * width, width)

    def forward(self, x):
        batch, time, width = x.shape
        h = self.norm1(x)

        def split(t):
            return t.view(batch, time, self.heads, width // self.heads).transpose(1, 2)

        attended = functional.scaled_dot_product_attention(
            split(self.query(h)), split(self.key(h)), split(self.value(h)), is_causal=True)
        x = x + self.output(attended.transpose(1, 2).reshape(batch, time, width))
        h = self.norm2(x)
        return x + self.contract(functional.gelu(self.expand(h), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocabulary=65, context=64, layers=4, heads=4, width=128):
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, width)
        self.positions = nn.Embedding(context, width)
        self.blocks = nn.Sequential(*[Block(width, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.readout = nn.Linear(width, vocabulary)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1])
        x = self.blocks(self.tokens(ids) + self.positions(positions))
        return self.readout(self.norm(x))


def gpt_tokens_per_s(steps=30, repeats=5, batch=32, context=64, vocabulary=65):
    torch.manual_seed(0)
    model = GPT(vocabulary, context)
    matrices = [p for n, p in model.named_parameters()
                if p.dim() >= 2 and "tokens" not in n and "positions" not in n]
    others = [p for n, p in model.named_parameters()
              if not (p.dim() >= 2 and "tokens" not in n and "positions" not in n)]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                                   {"params": others, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.99))
    windows = torch.randint(0, vocabulary, (8, batch, context + 1))

    def run(count):
        for step in range(count):
            window = windows[step % 8]
            optimizer.zero_grad(set_to_none=True)
            logits = model(window[:, :-1])
            loss = functional.cross_entropy(logits.reshape(-1, vocabulary),
                                            window[:, 1:].reshape(-1))
            loss.backward()
            optimizer.step()

    return median_rate(run, 5, steps, repeats, batch * context)


def wide_mlp_samples_per_s(steps=300, repeats=5, batch=64):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.randn(16, batch, 64)
    labels = torch.randint(0, 10, (16, batch))

    def run(count):
        for step in range(count):
            optimizer.zero_grad(set_to_none=True)
            functional.cross_entropy(model(inputs[step % 16]), labels[step % 16]).backward()
            optimizer.step()

    return median_rate(run, 20, steps, repeats, batch)


class CharacterLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(65, 64)
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.readout = nn.Linear(256, 65)

    def forward(self, ids):
        hidden, _ = self.lstm(self.embedding(ids))
        return self.readout(hidden.reshape(-1, 256))


def char_lstm_tokens_per_s(steps=20, repeats=3, batch=32, length=64):
    torch.manual_seed(0)
    model = CharacterLSTM()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    windows = torch.randint(0, 65, (8, batch, length + 1))

    def run(count):
        for step in range(count):
            window = windows[step % 8]
            optimizer.zero_grad(set_to_none=True)
            loss = functional.cross_entropy(model(window[:, :-1]), window[:, 1:].reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5)
            optimizer.step()

    return median_rate(run, 3, steps, repeats, batch * length)


def accuracy(directory):
    from accuracy_files import Run

    run = Run(directory)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    with torch.no_grad():
        for linear, (weight, bias) in zip(model[0::2], run.layers()):
            linear.weight.copy_(torch.from_numpy(weight.T))  # nn.Linear's weight is [out, in]
            linear.bias.copy_(torch.from_numpy(bias))
    optimizer = torch.optim.Adam(model.parameters(), lr=run.learning_rate, betas=run.betas,
                                 eps=run.epsilon)
    inputs, labels = torch.from_numpy(run.train_inputs), torch.from_numpy(run.train_labels)
    start = time.perf_counter()
    for rows in run.batches():
        rows = torch.from_numpy(rows)
        optimizer.zero_grad(set_to_none=True)
        functional.cross_entropy(model(inputs[rows]), labels[rows]).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = model(torch.from_numpy(run.test_inputs)).argmax(dim=1).numpy()
    layers = [(m.weight.detach().numpy().T, m.bias.detach().numpy()) for m in model[0::2]]
    steps = len(run.order) * -(-run.order.shape[1] // run.batch_size)
    return {**run.finish("pytorch", layers, predicted), "steps": steps, "seconds": seconds,
            "torch_version": torch.__version__}


def main():
    if "accuracy" in sys.argv:
        print(json.dumps(accuracy(sys.argv[sys.argv.index("accuracy") + 1]), indent=2))
        return
    sections = {"conv", "gpt", "mlp", "lstm"}
    selected = sections.intersection(arg.lower() for arg in sys.argv[1:]) or sections
    results = {}
    if "conv" in selected:
        results["resnet_block_f32_ms"] = resnet_block_ms()
        results["digits_cnn_samples_per_s"] = digits_cnn_samples_per_s()
    if "gpt" in selected:
        results["gpt_training_tokens_per_s"] = gpt_tokens_per_s()
    if "mlp" in selected:
        results["wide_mlp_samples_per_s"] = wide_mlp_samples_per_s()
    if "lstm" in selected:
        results["char_lstm_training_tokens_per_s"] = char_lstm_tokens_per_s()
    results["torch_version"] = torch.__version__
    results["torch_threads"] = torch.get_num_threads()
    # PyTorch's OpenMP threads spin while they wait for each other, so with two threads on a
    # two-core host that is also busy with something else the figures collapse (the Digits CNN,
    # whose operations are small, by up to ten times); the load says whether a run was alone.
    results["load_average_1min"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
