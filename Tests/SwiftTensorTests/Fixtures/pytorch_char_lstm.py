"""Writes pytorch_char_lstm.safetensors: the state dicts of a small character language model
(nn.Embedding -> nn.LSTM (1 layer) -> nn.Linear) and of the same model with an nn.GRU, their
logits for a fixed input, the LSTM model's state dict in float16 with its logits, and values
converted to float16 and bfloat16 by torch, so that SwiftTensor's PyTorchWeights mapping and
its F16/BF16 conversions can be checked against PyTorch.

    /work/venv/bin/python Tests/SwiftTensorTests/Fixtures/pytorch_char_lstm.py

(any python with torch and safetensors; the file is committed, so tests never need Python).

Tensors in the file:
- `lstm.embed.weight` [11, 6], `lstm.rnn.weight_ih_l0` [32, 6], `lstm.rnn.weight_hh_l0` [32, 8],
  `lstm.rnn.bias_ih_l0`, `lstm.rnn.bias_hh_l0` [32], `lstm.head.weight` [11, 8],
  `lstm.head.bias` [11]: the LSTM model's state dict, float32;
- `gru.*`: the same with nn.GRU (gates 24 = 3 * 8); its `bias_hh_l0` has the n-gate part
  (the last 8) set to zero, the only case SwiftTensor's GRU can represent;
- `ids` [2, 7] (float32 holding integers) and `lstm_logits`, `gru_logits` [2, 7, 11];
- `stack.weight_ih_l0` .. `stack.bias_hh_l1`: nn.LSTM(4, 5, num_layers=2), with
  `stack_input` [2, 5, 4] and its top layer's outputs `stack_output` [2, 5, 5];
- `f16.*`: the LSTM state dict in float16, and `f16_logits` [2, 7, 11]: that model (weights
  rounded to float16) run in float32;
- `values` [n] float32 (ties, subnormals, overflow, inf, NaN), `values_f16` F16 and
  `values_bf16` BF16 (torch's round-to-nearest-even conversions of `values`), and
  `values_f16_decoded`, `values_bf16_decoded` float32 (torch's exact widening of them).
"""
import os

import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB, EMBED, HIDDEN = 11, 6, 8


class CharModel(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.rnn = cell(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, VOCAB)

    def forward(self, ids):
        hidden, _ = self.rnn(self.embed(ids))
        return self.head(hidden)


def main():
    torch.manual_seed(20261205)
    lstm = CharModel(nn.LSTM).eval()
    gru = CharModel(nn.GRU).eval()
    with torch.no_grad():
        # Non-default biases so that a dropped or misplaced bias vector shows.
        for model in (lstm, gru):
            model.rnn.bias_ih_l0.uniform_(-0.5, 0.5)
            model.rnn.bias_hh_l0.uniform_(-0.5, 0.5)
        gru.rnn.bias_hh_l0[2 * HIDDEN:] = 0
    ids = torch.randint(0, VOCAB, (2, 7))
    tensors = {}
    with torch.no_grad():
        for prefix, model in (("lstm", lstm), ("gru", gru)):
            for name, t in model.state_dict().items():
                tensors[f"{prefix}.{name}"] = t.detach().clone()
            tensors[f"{prefix}_logits"] = model(ids)
        half = CharModel(nn.LSTM).eval()
        half.load_state_dict({k: v.half().float() for k, v in lstm.state_dict().items()})
        for name, t in lstm.state_dict().items():
            tensors[f"f16.{name}"] = t.detach().half()
        tensors["f16_logits"] = half(ids)

    values = torch.tensor([
        0.0, -0.0, 1.0, -2.5, 0.1, 1 / 3, 65504.0, 65519.0, 65520.0, 1e6, -1e6,
        2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -26, 1.5 * 2.0 ** -24,
        1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -9,
        3.0e38, 1e-40, -1e-45, 1.1754944e-38,
        float("inf"), float("-inf"), float("nan"),
    ], dtype=torch.float32)
    tensors["values"] = values
    tensors["values_f16"] = values.half()
    tensors["values_bf16"] = values.bfloat16()
    tensors["values_f16_decoded"] = values.half().float()
    tensors["values_bf16_decoded"] = values.bfloat16().float()
    tensors["ids"] = ids.float()

    # A two-layer LSTM on its own: layer 1's tensors (`*_l1`) map onto `lstm_1`.
    stack = nn.LSTM(4, 5, num_layers=2, batch_first=True).eval()
    x = torch.randn(2, 5, 4)
    with torch.no_grad():
        for name, t in stack.state_dict().items():
            tensors[f"stack.{name}"] = t.detach().clone()
        tensors["stack_input"] = x
        tensors["stack_output"] = stack(x)[0]

    tensors = {name: t.contiguous() for name, t in tensors.items()}
    path = os.path.join(HERE, "pytorch_char_lstm.safetensors")
    save_file(tensors, path, metadata={"generator": "Fixtures/pytorch_char_lstm.py",
                                       "torch": torch.__version__})
    for name, t in tensors.items():
        print(f"{name:28s} {str(t.dtype):16s} {list(t.shape)}")
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
