#!/usr/bin/env python3
"""An independent safetensors reader (the standard library only), for tests/test_safetensors.cpp:
prints each tensor as `name dtype shape values...`, in the order of the header's keys sorted.
With --write FILE, writes the fixture tests/fixtures/reference.safetensors instead (an
independent writer: the file our loader must read)."""
import json
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    for name in sorted(k for k in header if k != "__metadata__"):
        e = header[name]
        begin, end = e["data_offsets"]
        fmt = {"F32": "f", "F64": "d"}[e["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        values = struct.unpack("<%d%s" % (count, fmt), body[begin:end])
        print(name, e["dtype"], "x".join(map(str, e["shape"])) or "scalar", " ".join(repr(v) for v in values))
    if "__metadata__" in header:
        for k, v in sorted(header["__metadata__"].items()):
            print("meta", k, v)


def write(path):
    tensors = [("layer.weight", "F32", [2, 3], [0.5, -1.25, 2.0, 3.0, 1e-3, -7.5]),
               ("layer.bias", "F64", [2], [0.1, -0.2]),
               ("scale", "F32", [], [4.0])]
    header, body = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, shape, values in tensors:
        fmt = {"F32": "f", "F64": "d"}[dtype]
        blob = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(blob)]}
        body += blob
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + body)


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write(sys.argv[2])
    else:
        read(sys.argv[1])
