#!/usr/bin/env python3
"""Writes tests/fixtures/norm_golden.txt: PyTorch's values and gradients for layer_norm,
batch_norm and embedding, and BatchNorm2d's running statistics after three training steps, the
reference for tests/test_norm.cpp.

Inputs are fixed by a sine hash of the position (`values`, as golden_tensor.py), so the fixture
is reproducible with any PyTorch version. Every case is written in float64 and again in float32
(inputs rounded to float32, PyTorch computing in float32). One line per tensor:
    <case> <dtype> <field> <shape> <values...>
shape is comma-separated sizes (`-` for a scalar). Fields, i numbering the case's arguments:
    in<i>     a differentiable input            const<i>  an input that takes no gradient
    gout      the output's gradient w           out       f(inputs)
    grad<i>   d sum(f * w) / d in<i>
The case `bn2d_running` instead holds three training batches (const0..2, in a BatchNorm2d(3)),
then the running_mean, running_var and num_batches_tracked after them, and `out`: the module's
evaluation output for const3; `bn1d_running` the same for a BatchNorm1d(3) on [N, 3, L] batches. float64 values are Python's repr (round-trip exact); float32 ones
repr of the float32 value as a double (exact too).
usage: /usr/bin/python3 tests/golden/golden_norm.py [OUT]   (needs python3-torch)
"""
import math
import sys

import torch
import torch.nn.functional as F

from fixtures import FIXTURES
from golden_tensor import values


def I(shape, seed, lo=-1.0, hi=1.0):
    return ('in', values(shape, seed, lo, hi))


def C(tensor):
    return ('const', tensor)


def idx(vals, shape):
    return ('const', torch.tensor(vals, dtype=torch.float64).reshape(shape))


CASES = [
    ('layer_norm_last', lambda x, w, b: F.layer_norm(x, (5,), w, b), [I([3, 5], 1), I([5], 2), I([5], 3)]),
    ('layer_norm_two_dims', lambda x, w, b: F.layer_norm(x, (3, 4), w, b, 1e-3),
     [I([2, 3, 4], 4), I([3, 4], 5), I([3, 4], 6)]),
    ('layer_norm_plain', lambda x: F.layer_norm(x, (7,)), [I([1, 7], 7)]),
    ('batch_norm_train_2d', lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
     [I([4, 3], 8), I([3], 9), I([3], 10)]),
    ('batch_norm_train_4d', lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, 1e-3),
     [I([2, 3, 2, 3], 11), I([3], 12), I([3], 13)]),
    ('batch_norm_train_batch1', lambda x: F.batch_norm(x, None, None, None, None, True),
     [I([1, 2, 3, 1], 14)]),
    ('batch_norm_eval_4d', lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, False),
     [I([2, 3, 2, 2], 15), C(values([3], 16)), C(values([3], 17, 0.5, 2.0)), I([3], 18), I([3], 19)]),
    # [N, C, L], BatchNorm1d's sequence input: statistics over N and L per channel.
    ('batch_norm_train_3d', lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
     [I([3, 2, 4], 22), I([2], 23), I([2], 24)]),
    ('batch_norm_eval_3d', lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, False),
     [I([2, 3, 5], 25), C(values([3], 26)), C(values([3], 27, 0.5, 2.0)), I([3], 28), I([3], 29)]),
    ('embedding', lambda i, w: F.embedding(i.long(), w),
     [idx([0, 4, 2, 4, 1, 0], [2, 3]), I([5, 4], 20)]),
    ('embedding_padding', lambda i, w: F.embedding(i.long(), w, padding_idx=1),
     [idx([1, 3, 1, 2], [4]), I([4, 3], 21)]),
]


def fmt_tensor(case, dtype, field, t):
    shape = ','.join(str(s) for s in t.shape) if t.dim() > 0 else '-'
    vals = ' '.join(repr(float(v)) for v in t.detach().reshape(-1).tolist())
    return f'{case} {dtype} {field} {shape} {vals}'.rstrip()


def run_case(name, f, inputs, dtype, lines):
    tdt = torch.float64 if dtype == 'float64' else torch.float32
    args = []
    for i, (kind, t) in enumerate(inputs):
        a = t.to(tdt).clone().requires_grad_(kind == 'in')
        args.append(a)
        lines.append(fmt_tensor(name, dtype, f'{kind}{i}', a))
    out = f(*args)
    w = values(list(out.shape), 99).to(tdt)
    lines.append(fmt_tensor(name, dtype, 'gout', w))
    lines.append(fmt_tensor(name, dtype, 'out', out))
    diff = [a for (kind, _), a in zip(inputs, args) if kind == 'in']
    grads = torch.autograd.grad((out * w).sum(), diff)
    k = 0
    for i, (kind, _) in enumerate(inputs):
        if kind == 'in':
            lines.append(fmt_tensor(name, dtype, f'grad{i}', grads[k]))
            k += 1


def running(dtype, lines, name='bn2d_running', module=torch.nn.BatchNorm2d,
            shapes=([2, 3, 2, 3], [3, 3, 1, 2], [1, 3, 2, 2], [2, 3, 1, 2])):
    tdt = torch.float64 if dtype == 'float64' else torch.float32
    bn = module(3).to(tdt)
    bn.train()
    batches = [values(shapes[0], 30), values(shapes[1], 31, -2.0, 3.0), values(shapes[2], 32, 0.0, 5.0)]
    for i, x in enumerate(batches):
        x = x.to(tdt)
        lines.append(fmt_tensor(name, dtype, f'const{i}', x))
        bn(x)
    sd = bn.state_dict()
    assert list(sd.keys()) == ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    lines.append(fmt_tensor(name, dtype, 'running_mean', sd['running_mean']))
    lines.append(fmt_tensor(name, dtype, 'running_var', sd['running_var']))
    lines.append(fmt_tensor(name, dtype, 'num_batches_tracked', sd['num_batches_tracked'].double()))
    bn.eval()
    x = values(shapes[3], 33).to(tdt)
    lines.append(fmt_tensor(name, dtype, 'const3', x))
    lines.append(fmt_tensor(name, dtype, 'out', bn(x)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else FIXTURES / 'norm_golden.txt'
    lines = [f'# written by tests/golden/golden_norm.py with torch {torch.__version__}']
    for dtype in ('float64', 'float32'):
        for name, f, inputs in CASES:
            run_case(name, f, inputs, dtype, lines)
        running(dtype, lines)
        running(dtype, lines, 'bn1d_running', torch.nn.BatchNorm1d, ([2, 3, 4], [3, 3, 2], [1, 3, 5], [2, 3, 3]))
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
