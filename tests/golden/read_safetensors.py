#!/usr/bin/env python3
"""An independent safetensors reader (NumPy), for tests/test_safetensors.cpp: prints each tensor as
`name dtype shape values...` in the order of the names, values as Python floats (repr), then
`meta key value` for each metadata entry. It checks what a reader must: the header is a JSON
object, each tensor's bytes match its shape, and the tensors cover the data exactly.

    tests/golden/read_safetensors.py model.safetensors"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}


def tensor(body, entry):
    begin, end = entry["data_offsets"]
    shape = entry["shape"]
    if entry["dtype"] == "BF16":  # NumPy has no bfloat16: the upper half of a float32
        bits = np.frombuffer(body[begin:end], dtype="<u2").astype("<u4") << 16
        return bits.view("<f4").reshape(shape)
    return np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(shape)


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    assert isinstance(header, dict), "the header is not a JSON object"
    body = data[8 + n:]
    names = sorted(k for k in header if k != "__metadata__")
    spans = sorted(tuple(header[k]["data_offsets"]) for k in names)
    at = 0
    for begin, end in spans:
        assert begin == at, "the data has a gap or an overlap at %d" % begin
        at = end
    assert at == len(body), "%d bytes after the last tensor" % (len(body) - at)
    for name in names:
        e = header[name]
        values = tensor(body, e)
        shape = "x".join(map(str, e["shape"])) or "scalar"
        print(name, e["dtype"], shape, " ".join(repr(float(v)) for v in values.ravel()))
    for k, v in sorted(header.get("__metadata__", {}).items()):
        print("meta", k, v)


if __name__ == "__main__":
    main(sys.argv[1])
