"""Writes pytorch_bn_options.safetensors: PyTorch batch norms with the options
`momentum=None` (running statistics the plain average of every batch's, counted by the I64
`num_batches_tracked`) and `track_running_stats=False` (no running statistics; the batch's
normalise in eval mode too), so that SwiftTensor's `BatchNorm` can be shown to match them.

    /work/venv/bin/python Tests/SwiftTensorTests/Fixtures/pytorch_bn_options.py

(any python with torch and safetensors; the file is committed, so tests never need Python).

Tensors in the file (float32 unless said):
- `average.weight`, `.bias`, `.running_mean`, `.running_var`, `.num_batches_tracked` (I64 []):
  the state dict of BatchNorm2d(3, momentum=None) after train-mode passes over `batch0`,
  `batch1`, `batch2` (each [4, 3, 5, 5]);
- `average_expected`: that model in eval mode on `input` [2, 3, 5, 5];
- `batch.weight`, `batch.bias`: the state dict of BatchNorm2d(3, track_running_stats=False)
  (no running tensors at all); `batch_expected`: it in eval mode on `input`.
"""
import os

import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    torch.manual_seed(20260611)
    average = nn.BatchNorm2d(3, momentum=None)
    batch = nn.BatchNorm2d(3, track_running_stats=False)
    # Random affine parameters, so that a swapped or ignored tensor shows.
    with torch.no_grad():
        for bn in (average, batch):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    offset = torch.randn(1, 3, 1, 1)
    batches = [torch.randn(4, 3, 5, 5) * (k + 1) + offset * k for k in range(3)]
    average.train()
    with torch.no_grad():
        for x in batches:
            average(x)
    average.eval()
    batch.eval()
    x = torch.randn(2, 3, 5, 5) * 2 + offset
    with torch.no_grad():
        average_expected = average(x)
        batch_expected = batch(x)

    tensors = {f"average.{n}": t for n, t in average.state_dict().items()}
    tensors.update({f"batch.{n}": t for n, t in batch.state_dict().items()})
    tensors.update({f"batch{k}": t for k, t in enumerate(batches)})
    tensors.update({
        "input": x, "average_expected": average_expected, "batch_expected": batch_expected,
    })
    tensors = {name: t.detach().clone().contiguous() for name, t in tensors.items()}
    path = os.path.join(HERE, "pytorch_bn_options.safetensors")
    save_file(tensors, path, metadata={"generator": "Fixtures/pytorch_bn_options.py",
                                       "torch": torch.__version__})
    for name, t in tensors.items():
        print(f"{name:28s} {str(t.dtype):14s} {list(t.shape)}")
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
