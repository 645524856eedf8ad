#!/usr/bin/env python3
"""Writes the safetensors fixtures of tests/test_safetensors.cpp with the standard library only
(struct and json), an implementation independent of ours, from the format's description:
an 8-byte little-endian header length, the JSON header padded with spaces to a multiple of 8,
then the tensors' little-endian bytes.

    tests/golden/golden_safetensors.py tests/fixtures

writes reference.safetensors (F32, F64, a 0-d tensor, metadata) and reference_half.safetensors
(F16 and BF16 with their edge values, an empty tensor, data in an order other than the names')."""
import json
import os
import struct
import sys

from fixtures import FIXTURES


def bf16(value):
    """The bfloat16 bits of a float32 value that bfloat16 holds exactly (the upper half)."""
    (bits,) = struct.unpack("<I", struct.pack("<f", value))
    assert bits & 0xFFFF == 0, "%r is not exact in bfloat16" % value
    return bits >> 16


def pack(dtype, values):
    if dtype == "BF16":
        return struct.pack("<%dH" % len(values), *[bf16(v) for v in values])
    code = {"F16": "e", "F32": "f", "F64": "d", "I64": "q", "BOOL": "?"}[dtype]
    return struct.pack("<%d%s" % (len(values), code), *values)


def write(path, tensors, metadata):
    """tensors: (name, dtype, shape, values) in the order of their data in the file."""
    header, body = {"__metadata__": metadata}, b""
    for name, dtype, shape, values in tensors:
        blob = pack(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(blob)]}
        body += blob
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


def main(folder):
    write(os.path.join(folder, "reference.safetensors"),
          [("layer.weight", "F32", [2, 3], [0.5, -1.25, 2.0, 3.0, 1e-3, -7.5]),
           ("layer.bias", "F64", [2], [0.1, -0.2]),
           ("scale", "F32", [], [4.0])],
          {"format": "pt"})
    inf = float("inf")
    write(os.path.join(folder, "reference_half.safetensors"),
          # half: one, a fraction, the largest half, the smallest subnormal, the smallest normal,
          # minus zero, the infinities; bf16: one, pi rounded to bf16, 2^100, a float32 subnormal
          [("z.half", "F16", [2, 4], [1.0, -2.5, 65504.0, 2.0 ** -24, 2.0 ** -14, -0.0, inf, -inf]),
           ("nothing", "F32", [0, 3], []),
           ("m.bf16", "BF16", [4], [1.0, -3.140625, 2.0 ** 100, 2.0 ** -130]),
           ("a.f32", "F32", [1], [0.1])],
          {"format": "pt", "writer": "tests/golden/golden_safetensors.py"})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else FIXTURES)
