#!/usr/bin/env python3
"""Golden values for tests/test_int_tensor.cpp from PyTorch: int64 and bool tensors, the dtype
promotion of ops that mix them with float32 and float64, their printing, and embedding's max_norm.

    /usr/bin/python3 tests/golden/golden_int.py [FOLDER]   (needs python3-torch)

writes FOLDER/int_golden.txt (default tests/fixtures) and FOLDER/int_reference.safetensors.

int_golden.txt, one line a result:
    <case> <dtype> [<shape>] <value> ...         the result of op <case> on the inputs below
    print <case> <text>                          str() of a tensor, newlines written as \\n
Values are written exactly (integers as integers, floats with repr). dtype is the result's as
torch gives it, with two deliberate differences that the test knows about: comparisons give bool
in torch and 0/1 in the operands' promoted dtype in Backprop (the script converts them), and
Backprop names dtypes without the "torch." prefix when it prints them.

int_reference.safetensors holds tensors made by torch, written by golden_safetensors.py's writer
(Debian 12 has no safetensors package): an int64 matrix with values beyond 2^53, a bool mask and a
float32 vector, so the test reads I64 and BOOL data torch produced."""
import json
import struct
import sys

import torch

from fixtures import FIXTURES
from golden_safetensors import write

# The inputs; the test builds the same tensors.
A = torch.tensor([[1, -2, 3], [4, 5, -6]])                  # int64 [2, 3]
B = torch.tensor([2, -3, 5])                                # int64 [3]
F32 = torch.tensor([0.5, -1.25, 2.0], dtype=torch.float32)  # [3]
F64 = torch.tensor([0.5, -1.25, 2.0], dtype=torch.float64)  # [3]
BIG = torch.tensor([2 ** 53 + 1, -(2 ** 62), 7])            # int64 beyond double's exact range
FL = torch.tensor([2.7, -2.7, 0.5, -0.5, 0.0], dtype=torch.float32)
M = torch.tensor([True, False, True])

CASES = [
    # int op int stays int64
    ('add_ii', lambda: A + B),
    ('sub_ii', lambda: A - B),
    ('mul_ii', lambda: A * B),
    ('neg_i', lambda: -A),
    ('abs_i', lambda: torch.abs(A)),
    ('sum_i', lambda: A.sum()),
    ('sum_i_axis1', lambda: A.sum(1)),
    ('sum_big', lambda: BIG.sum()),
    ('add_big', lambda: BIG + BIG),
    ('max_i', lambda: A.max()),
    ('argmax_i', lambda: A.argmax(1)),
    ('argmax_f', lambda: F32.argmax()),
    # float op int: the float dtype
    ('add_if32', lambda: A + F32),
    ('mul_if64', lambda: A * F64),
    ('sub_f32i', lambda: F32 - A),
    ('div_f64i', lambda: F64 / B),
    # true division and transcendentals of ints: float32
    ('div_ii', lambda: A / B),
    ('exp_i', lambda: torch.exp(A)),
    ('log_i', lambda: torch.log(torch.abs(A))),
    ('sqrt_i', lambda: torch.sqrt(torch.abs(A))),
    ('sigmoid_i', lambda: torch.sigmoid(A)),
    ('tanh_i', lambda: torch.tanh(A)),
    # a Python float with an int tensor: float32; a bool mask with int64: int64
    ('add_scalar_i', lambda: A + 2.5),
    ('mul_scalar_i', lambda: A * 2.0),
    ('add_bool_i', lambda: B + M),
    # a Python int with an int64 tensor stays int64 (wrapping as int64 does); with a float tensor, float
    ('add_int_scalar_i', lambda: A + 2),
    ('sub_int_scalar_i', lambda: 3 - A),
    ('mul_int_scalar_i', lambda: -4 * A),
    ('mul_int_scalar_big', lambda: BIG * 3),
    ('add_int_scalar_bool', lambda: M + 1),
    ('add_int_scalar_f32', lambda: F32 + 2),
    ('div_int_scalar_i', lambda: A / 2),
    # comparisons: bool in torch, 0/1 in the promoted dtype here
    ('gt_ii', lambda: (A > B).long()),
    ('lt_if32', lambda: (A < F32).float()),
    ('lt_scalar_i', lambda: (A < 2.5).long()),
    ('where_i', lambda: torch.where(A > 0, A, torch.tensor(0))),
    # relu, clamp, maximum and minimum keep int64; a float bound or operand promotes (clamp's
    # float bound to float32, as a Python float does); a float tensor with int bounds stays float
    ('relu_i', lambda: torch.relu(A)),
    ('clamp_ii', lambda: torch.clamp(A, -1, 4)),
    ('clamp_i_min', lambda: torch.clamp(A, min=0)),
    ('clamp_i_max', lambda: torch.clamp(A, max=2)),
    ('clamp_big', lambda: torch.clamp(BIG, -(2 ** 62) + 1, 2 ** 53)),
    ('clamp_if', lambda: torch.clamp(A, -1.5, 2.5)),
    ('clamp_i_mixed', lambda: torch.clamp(A, 0, 2.5)),
    ('clamp_f32_int_bounds', lambda: torch.clamp(F32, 0, 1)),
    ('maximum_ii', lambda: torch.maximum(A, B)),
    ('minimum_ii', lambda: torch.minimum(A, B)),
    ('maximum_big', lambda: torch.maximum(BIG, B)),
    ('maximum_if32', lambda: torch.maximum(A, F32)),
    ('minimum_if64', lambda: torch.minimum(B, F64)),
    ('maximum_bb', lambda: torch.maximum(M, torch.tensor([False, True, False]))),
    ('minimum_ib', lambda: torch.minimum(B, M)),
    # cat and stack promote as the arithmetic ops do
    ('cat_if32', lambda: torch.cat([B, F32])),
    ('cat_if64', lambda: torch.cat([A, F64.reshape(1, 3)])),
    ('cat_ib', lambda: torch.cat([B, M])),
    ('cat_bf32', lambda: torch.cat([M, F32])),
    ('stack_if32', lambda: torch.stack([F32, B], 1)),
    # conversions
    ('to_int', lambda: FL.to(torch.int64)),
    ('to_bool', lambda: FL.to(torch.bool).long()),
    ('bool_to_f32', lambda: M.to(torch.float32)),
    ('one_hot_i', lambda: torch.nn.functional.one_hot(torch.tensor([2, 0, 1]), 3)),
]

PRINTS = [
    ('vector', torch.tensor([1, 2, 3])),
    ('matrix', A),
    ('scalar', torch.tensor(-7)),
    ('empty', torch.tensor([], dtype=torch.int64)),
    ('big', BIG),
    ('bool', M),
    ('bool_matrix', torch.tensor([[True, False], [False, False]])),
]


def dtype_name(t):
    return str(t.dtype).replace('torch.', '')


def values(t):
    if t.dtype in (torch.int64, torch.bool):
        return [str(int(v)) for v in t.reshape(-1).tolist()]
    return [repr(float(v)) for v in t.reshape(-1).tolist()]


def max_norm_cases(lines):
    """embedding with max_norm: the output and the renormalised weight, float64 and float32, for
    the 2-norm and the 1-norm. Rows 1 and 3 are looked up (3 twice); row 0 is large but not
    looked up, so it must stay."""
    for dtype in (torch.float64, torch.float32):
        for norm_type in (2.0, 1.0):
            w = torch.tensor([[3.0, 4.0, 0.0], [0.3, -0.4, 0.1], [1.0, 1.0, 1.0], [-2.0, 6.0, 3.0]], dtype=dtype)
            idx = torch.tensor([3, 1, 3])
            emb = torch.nn.Embedding.from_pretrained(w.clone(), freeze=False, max_norm=1.5, norm_type=norm_type)
            out = emb(idx)
            name = 'max_norm_p%d' % int(norm_type)
            lines.append(' '.join([name + '_out', dtype_name(out), '[%s]' % ','.join(map(str, out.shape))] +
                                  values(out.detach())))
            wt = emb.weight.detach()
            lines.append(' '.join([name + '_weight', dtype_name(wt), '[%s]' % ','.join(map(str, wt.shape))] +
                                  values(wt)))


def write_safetensors(path):
    """Tensors torch made, written by golden_safetensors.write (struct and json, not our code)."""
    tensors = [('counts', torch.tensor([[2 ** 60 + 3, -1], [0, 2 ** 53 + 1]])),
               ('mask', torch.tensor([True, False, False, True])),
               ('weight', torch.tensor([0.5, -2.0], dtype=torch.float32))]
    names = {torch.int64: 'I64', torch.bool: 'BOOL', torch.float32: 'F32'}
    write(path, [(name, names[t.dtype], list(t.shape), t.flatten().tolist()) for name, t in tensors], {'format': 'pt'})


def main(folder):
    lines = ['# Written by tests/golden/golden_int.py from PyTorch %s; do not edit.' % torch.__version__]
    for name, f in CASES:
        t = f()
        lines.append(' '.join([name, dtype_name(t), '[%s]' % ','.join(map(str, t.shape))] + values(t)))
    for name, t in PRINTS:
        lines.append('print %s %s' % (name, str(t).replace('torch.', '').replace('\n', '\\n')))
    max_norm_cases(lines)
    with open('%s/int_golden.txt' % folder, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    write_safetensors('%s/int_reference.safetensors' % folder)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else str(FIXTURES))
