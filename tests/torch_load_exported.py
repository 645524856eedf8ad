#!/usr/bin/env python3
"""What a PyTorch user does with `train --export-weights FILE`, for tests/test_train_workflow.cpp:
builds the torch.nn.Sequential that the file's metadata describes (Linear layers of the `layers`
sizes with the `activation` between them, a Sigmoid after the last for an `mse` model), loads the
weights with load_state_dict(strict=True) (which fails on any missing or extra key), scales the
rows of a CSV with the scaler numbers of the metadata, and prints, per row, the class and the
probabilities (softmax of the outputs; an mse model's sigmoid outputs as they are) as CSV with
nine significant digits.

    tests/torch_load_exported.py weights.safetensors rows.csv

rows.csv: feature rows, no header, no label. The file is read with NumPy, not with a safetensors
package (Debian 12 has none); PyTorch does the loading that matters."""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": "<f4", "F64": "<f8"}
ACTIVATIONS = {"relu": torch.nn.ReLU, "leaky_relu": torch.nn.LeakyReLU, "sigmoid": torch.nn.Sigmoid,
               "tanh": torch.nn.Tanh}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, meta


def main(weights_path, rows_path):
    tensors, meta = read(weights_path)
    sizes = [int(s) for s in meta["layers"].split(",")]
    modules = []
    for i in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            modules.append(ACTIVATIONS[meta["activation"]]())
    if meta["loss"] == "mse":
        modules.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*modules).to(next(iter(tensors.values())).dtype)
    model.load_state_dict(tensors, strict=True)

    x = torch.tensor(np.loadtxt(rows_path, delimiter=",", ndmin=2), dtype=torch.float64)
    if "scaler_center" in meta:
        center = torch.tensor([float(v) for v in meta["scaler_center"].split(",")], dtype=torch.float64)
        scale = torch.tensor([float(v) for v in meta["scaler_scale"].split(",")], dtype=torch.float64)
        x = (x - center) / scale
    with torch.no_grad():
        out = model(x.to(next(model.parameters()).dtype))
        p = out if meta["loss"] == "mse" else torch.softmax(out, dim=1)
    names = meta["class_names"].split(",") if meta.get("class_names") else None
    for row in p.tolist():
        k = max(range(len(row)), key=row.__getitem__)
        print(",".join([names[k] if names else str(k)] + ["%.9g" % v for v in row]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
