#!/usr/bin/env python3
"""For tests/test_norm.cpp: loads a safetensors file that Backprop saved from
Sequential{Embedding(6, 4, padding_idx=0), LayerNorm({4}), BatchNorm1d(4)} into the same
torch.nn.Sequential with load_state_dict(strict=True) (any missing or extra name, or a wrong
shape, fails), runs it in evaluation mode on the indices given, and prints the output's values,
one per line, then num_batches_tracked.

    tests/golden/torch_load_norm.py model.safetensors 4 0 2

The file is read with NumPy (Debian 12 has no safetensors package); PyTorch does the loading."""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).copy())
    return out


def main():
    state = read(sys.argv[1])
    model = torch.nn.Sequential(torch.nn.Embedding(6, 4, padding_idx=0), torch.nn.LayerNorm(4), torch.nn.BatchNorm1d(4))
    # load_state_dict would copy a float count into torch's int64 buffer silently: check the file's.
    assert state["2.num_batches_tracked"].dtype == torch.int64, state["2.num_batches_tracked"].dtype
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        y = model(torch.tensor([int(a) for a in sys.argv[2:]]))
    for v in y.reshape(-1).tolist():
        print(repr(v))
    print(int(model[2].num_batches_tracked))


if __name__ == "__main__":
    main()
