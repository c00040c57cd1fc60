"""Writes pytorch_conv_bn.safetensors: the state dict of a small float32 PyTorch conv/BatchNorm
model, an input and PyTorch's eval-mode output, so that SwiftTensor can be shown to load real
PyTorch weights and compute the same thing.

    /work/venv/bin/python Tests/SwiftTensorTests/Fixtures/pytorch_conv_bn.py

(any python with torch and safetensors; the file is committed, so tests never need Python).

Tensors in the file:
- `0.weight` .. `4.running_var`, `*.num_batches_tracked`: the `state_dict()` of
  Sequential(Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), ReLU(),
             Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False), BatchNorm2d(8))
- `input` [2, 3, 8, 8] and `expected_output` [2, 8, 4, 4]: that model in eval mode;
- `conv1d.weight` [6, 4, 3], `conv1d.bias` [6] of Conv1d(4, 6, 3, padding="same", dilation=2),
  `conv1d_input` [2, 4, 10] and `conv1d_expected_output` [2, 6, 10].
See docs/PYTORCH_WEIGHTS.md for how the names map onto SwiftTensor's parameter paths.
"""
import os

import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    torch.manual_seed(20261205)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False),
        nn.BatchNorm2d(8),
    )
    # Fresh BatchNorm has weight 1, bias 0, mean 0 and var 1, which would hide a swapped or
    # ignored tensor; random affine parameters and a few train-mode batches (inputs with a
    # per-channel offset and scale) make every one of them matter.
    with torch.no_grad():
        for bn in (model[1], model[4]):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    model.train()
    offset = torch.randn(1, 3, 1, 1)
    scale = torch.rand(1, 3, 1, 1) + 0.5
    with torch.no_grad():
        for _ in range(5):
            model(torch.randn(16, 3, 8, 8) * scale + offset)
    model.eval()

    x = torch.randn(2, 3, 8, 8) * scale + offset
    with torch.no_grad():
        y = model(x)

    conv1d = nn.Conv1d(4, 6, 3, padding="same", dilation=2)
    x1 = torch.randn(2, 4, 10)
    with torch.no_grad():
        y1 = conv1d(x1)

    tensors = {name: t.detach().clone().contiguous() for name, t in model.state_dict().items()}
    tensors.update({
        "input": x,
        "expected_output": y,
        "conv1d.weight": conv1d.weight.detach(),
        "conv1d.bias": conv1d.bias.detach(),
        "conv1d_input": x1,
        "conv1d_expected_output": y1,
    })
    tensors = {name: t.contiguous() for name, t in tensors.items()}
    path = os.path.join(HERE, "pytorch_conv_bn.safetensors")
    save_file(tensors, path, metadata={"generator": "Fixtures/pytorch_conv_bn.py",
                                       "torch": torch.__version__})
    for name, t in tensors.items():
        print(f"{name:24s} {str(t.dtype):14s} {list(t.shape)}")
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
