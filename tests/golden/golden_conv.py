#!/usr/bin/env python3
"""Writes tests/fixtures/conv_golden.txt: PyTorch's values, gradients and Hessian-vector products
for conv2d, max_pool2d (and its indices), max_unpool2d and avg_pool2d, in float64 and float32, the reference for
tests/test_conv.cpp (its golden test).

The format, the fixed inputs and the meaning of each line are golden_tensor.py's (its docstring
says them; this script calls its functions): `case dtype field [shape] values...`, fields in,
const, gout, out, grad, vec, hvp. Every case is written in float64 and again in float32.
The C++ test has one lambda per case name.
usage: /usr/bin/python3 tests/golden/golden_conv.py [OUT]   (needs python3-torch)
"""
import sys

import torch
import torch.nn.functional as F

from fixtures import FIXTURES
from golden_tensor import C, I, case_lines, values

torch.set_default_dtype(torch.float64)

def pool_indices(shape, seed, kernel, stride=None, padding=0):
    """The indices of a max pool of fixed values: what max_unpool2d's cases scatter by."""
    return F.max_pool2d(values(shape, seed), kernel, stride, padding, return_indices=True)[1]


# (name, f, inputs[, second]): the names (no spaces) are the C++ test's keys. Inputs in [-1, 1) (golden_tensor's
# `values`); the max pools' inputs have no ties (a sine hash), so their gradients are unambiguous.
CASES = [
    ('conv2d', lambda x, w, b: F.conv2d(x, w, b), [I([2, 3, 5, 5], 1), I([4, 3, 3, 3], 2), I([4], 3)]),
    ('conv2d_padding_1_stride_2', lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     [I([2, 2, 6, 7], 4), I([3, 2, 3, 3], 5), I([3], 6)]),
    ('conv2d_dilation_2_no_bias', lambda x, w: F.conv2d(x, w, None, dilation=2),
     [I([1, 2, 7, 6], 7), I([2, 2, 2, 3], 8)]),
    ('conv2d_groups_2', lambda x, w, b: F.conv2d(x, w, b, padding=(1, 0), groups=2),
     [I([2, 4, 5, 4], 9), I([6, 2, 3, 2], 10), I([6], 11)]),
    ('conv2d_1x1', lambda x, w, b: F.conv2d(x, w, b), [I([2, 3, 4, 3], 12), I([5, 3, 1, 1], 13), I([5], 14)]),
    ('conv2d_unbatched_stride_2_1', lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(0, 2)),
     [I([3, 5, 4], 15), I([2, 3, 3, 2], 16), I([2], 17)]),
    ('conv2d_tanh', lambda x, w, b: torch.tanh(F.conv2d(x, w, b, padding=1)),
     [I([1, 2, 4, 4], 18), I([3, 2, 3, 3], 19), I([3], 20)]),
    ('max_pool2d_2', lambda x: F.max_pool2d(x, 2), [I([2, 3, 4, 5], 21)]),
    ('max_pool2d_3_stride_2_padding_1', lambda x: F.max_pool2d(x, 3, 2, 1), [I([1, 2, 7, 6], 22)]),
    ('max_pool2d_dilation_2', lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0), dilation=2), [I([2, 1, 6, 7], 23)]),
    ('max_pool2d_unbatched', lambda x: F.max_pool2d(x, 2, 1), [I([2, 3, 3], 24)]),
    ('avg_pool2d_2', lambda x: F.avg_pool2d(x, 2), [I([2, 3, 4, 5], 25)]),
    ('avg_pool2d_3_stride_2_padding_1', lambda x: F.avg_pool2d(x, 3, 2, 1), [I([1, 2, 7, 6], 26)]),
    ('avg_pool2d_padding_1_exclude_pad', lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
     [I([1, 2, 6, 5], 27)]),
    ('avg_pool2d_2_3_stride_1_2', lambda x: F.avg_pool2d(x, (2, 3), (1, 2)), [I([2, 1, 4, 7], 28)]),
    ('conv_relu_pool', lambda x, w, b: F.max_pool2d(torch.relu(F.conv2d(x, w, b, padding=1)), 2),
     [I([2, 1, 4, 4], 29), I([2, 1, 3, 3], 30), I([2], 31)], False),
    ('max_pool2d_2_ceil_mode', lambda x: F.max_pool2d(x, 2, ceil_mode=True), [I([2, 2, 5, 7], 32)]),
    ('max_pool2d_3_stride_2_padding_1_ceil_mode', lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
     [I([1, 2, 6, 8], 33)]),
    ('avg_pool2d_2_ceil_mode', lambda x: F.avg_pool2d(x, 2, ceil_mode=True), [I([2, 1, 5, 5], 34)]),
    ('avg_pool2d_3_stride_2_padding_1_ceil_mode', lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
     [I([1, 1, 6, 6], 35)]),
    ('avg_pool2d_ceil_mode_exclude_pad',
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [I([1, 2, 6, 6], 36)]),
    # padding='same': an odd total (an even kernel, or an odd dilated extent) puts the extra row and
    # column at the bottom and right; 'valid' is no padding.
    ('conv2d_same_3x3', lambda x, w, b: F.conv2d(x, w, b, padding='same'), [I([2, 2, 4, 5], 32), I([3, 2, 3, 3], 33), I([3], 34)]),
    ('conv2d_same_2x4', lambda x, w, b: F.conv2d(x, w, b, padding='same'), [I([1, 2, 5, 6], 35), I([2, 2, 2, 4], 36), I([2], 37)]),
    ('conv2d_same_dilation_2_3_groups_2', lambda x, w: F.conv2d(x, w, None, padding='same', dilation=(2, 3), groups=2),
     [I([2, 4, 6, 7], 38), I([2, 2, 2, 3], 39)]),
    ('conv2d_same_unbatched_2x2', lambda x, w, b: F.conv2d(x, w, b, padding='same'), [I([2, 3, 4], 40), I([3, 2, 2, 2], 41), I([3], 42)]),
    ('conv2d_valid', lambda x, w, b: F.conv2d(x, w, b, padding='valid'), [I([1, 3, 5, 4], 43), I([2, 3, 2, 3], 44), I([2], 45)]),
    # return_indices=True: the int64 indices (flat in each input plane), written in the case's dtype
    # (exact: they are small integers). Constant inputs, so only the indices are written.
    ('max_pool2d_indices_2', lambda x: F.max_pool2d(x, 2, return_indices=True)[1], [C(values([2, 3, 4, 5], 46))]),
    ('max_pool2d_indices_3_stride_2_padding_1_ceil_mode',
     lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[1], [C(values([1, 2, 6, 8], 47))]),
    ('max_pool2d_indices_dilation_2',
     lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0), dilation=2, return_indices=True)[1], [C(values([2, 1, 6, 7], 48))]),
    ('max_pool2d_indices_unbatched', lambda x: F.max_pool2d(x, 2, 1, return_indices=True)[1], [C(values([2, 3, 3], 49))]),
    # max_unpool2d: the values differentiable, the indices a constant (a float here, as case_lines
    # writes every input in the case's dtype; int64 again in the function). Linear: its Hessian is 0.
    ('max_unpool2d_2', lambda y, i: F.max_unpool2d(y, i.long(), 2), [I([2, 3, 2, 2], 50), C(pool_indices([2, 3, 4, 4], 51, 2))]),
    ('max_unpool2d_output_size', lambda y, i: F.max_unpool2d(y, i.long(), 2, output_size=(5, 5)),
     [I([1, 2, 2, 2], 52), C(pool_indices([1, 2, 5, 5], 53, 2))]),
    # Overlapping windows give repeated indices: the forward keeps the last, the gradient gathers for each.
    ('max_unpool2d_3_stride_1_padding_1_repeated_indices', lambda y, i: F.max_unpool2d(y, i.long(), 3, 1, 1),
     [I([1, 2, 4, 3], 54), C(pool_indices([1, 2, 4, 3], 55, 3, 1, 1))]),
    ('max_unpool2d_unbatched_stride_2_3', lambda y, i: F.max_unpool2d(y, i.long(), (2, 3), (2, 3)),
     [I([2, 2, 2], 56), C(pool_indices([2, 4, 6], 57, (2, 3)))]),
    # The round trip of torch's docs: pool with indices, unpool to the input's size.
    ('max_pool2d_then_unpool', lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=x.shape[-2:]),
     [I([2, 2, 5, 5], 58)]),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else FIXTURES / 'conv_golden.txt'
    lines = ['# PyTorch ' + torch.__version__ + ' conv2d and pools in float64 and float32 (tests/golden/golden_conv.py);',
             '# the format of tensor_golden.txt: line: case dtype field [shape] values...']
    names = [case[0] for case in CASES]
    assert len(set(names)) == len(names), 'duplicate case names'
    for dtype in (torch.float64, torch.float32):
        for case_no, (name, f, inputs, *flags) in enumerate(CASES):
            lines += case_lines(case_no, name, f, inputs, not flags or flags[0], dtype)
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    print(f'wrote {out}: {len(CASES)} cases in float64 and float32')


if __name__ == '__main__':
    main()
