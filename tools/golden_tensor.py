#!/usr/bin/env python3
"""Writes tests/fixtures/tensor_golden.txt: PyTorch's float64 values, gradients and second
derivatives for the tensor ops, the reference for tests/test_tensor_golden.cpp.

Every case is a function of some tensors. The inputs are fixed by the formula in `values` (a
deterministic hash of the position, no random generator), so the fixture is reproducible with
any PyTorch version. For each case the fixture holds:
    in     a differentiable input (in order)      const  an input that takes no gradient
    gout   the output's gradient w                vec    one direction v_i per differentiable input
    out    f(inputs)                              grad   d sum(f * w) / d in_i, one per input
    hvp    d/d in_j  sum_i <d sum(f * w) / d in_i, v_i>  (a Hessian-vector product), one per input
one line each: `case field [shape] value value ...`, values as Python's repr (round-trip exact).
A case marked False in CASES has no vec and hvp lines (first derivatives only).
The C++ test has one lambda per case name and must agree within 1e-12 relative.
usage: /usr/bin/python3 tools/golden_tensor.py [OUT]   (needs python3-torch)
"""
import math
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def values(shape, seed, lo=-1.0, hi=1.0):
    """Fixed values in [lo, hi): the fractional part of a sine hash of (position, seed)."""
    n = math.prod(shape)
    out = []
    for k in range(n):
        u = math.sin(12.9898 * (k + 1) + 78.233 * seed) * 43758.5453
        out.append(lo + (hi - lo) * (u - math.floor(u)))
    return torch.tensor(out).reshape(shape)


def t(vals, shape):
    return torch.tensor(vals, dtype=torch.float64).reshape(shape)


# Each case: (name, f, [inputs]) or (name, f, [inputs], False) for a case without second
# derivatives; an input is ('in', tensor) or ('const', tensor).
def I(shape, seed, lo=-1.0, hi=1.0):
    return ('in', values(shape, seed, lo, hi))


def C(tensor):
    return ('const', tensor)


def mlp_mse(x, y, w1, b1, w2, b2):
    return ((torch.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


POS = (0.3, 2.0)  # a positive domain (log, sqrt, pow bases, divisors)
MIXED = t([-0.7, 0.3, -0.1, 0.9, 0.5, -0.4], [2, 3])  # signs mixed, away from kinks

CASES = [
    # Broadcasting arithmetic (tensor.hpp)
    ('add', lambda a, b: a + b, [I([3, 4], 1), I([3, 4], 2)]),
    ('add_broadcast', lambda a, b: a + b, [I([2, 1, 3], 3), I([4, 1], 4)]),
    ('sub_broadcast', lambda a, b: a - b, [I([3, 4], 5), I([4], 6)]),
    ('mul_broadcast', lambda a, b: a * b, [I([3, 1], 7), I([1, 5], 8)]),
    ('mul_scalar_tensor', lambda a, b: a * b, [I([3], 9), I([], 10)]),
    ('div_broadcast', lambda a, b: a / b, [I([2, 3], 11), I([3], 12, *POS)]),
    ('div_scalar_tensor', lambda a, b: a / b, [I([], 13), I([2, 2], 14, *POS)]),
    ('neg', lambda a: -a, [I([4], 15)]),
    ('scalar_ops', lambda a: 2.0 - a * 3.0 + 1.0 / (a + 4.0) - a / 2.0, [I([2, 3], 16)]),
    # Elementwise functions (tensor.hpp)
    ('exp', torch.exp, [I([2, 3], 17)]),
    ('log', torch.log, [I([5], 18, *POS)]),
    ('tanh', torch.tanh, [I([2, 3], 19, -2, 2)]),
    ('sigmoid', torch.sigmoid, [I([2, 3], 20, -3, 3)]),
    ('relu', torch.relu, [('in', MIXED)]),
    ('relu_grad', lambda a: torch.relu(a) * a, [('in', MIXED)]),
    ('pow_scalar', lambda a: a ** 3.0, [I([2, 3], 21)]),
    ('pow_scalar_negative', lambda a: a ** -1.5, [I([4], 22, *POS)]),
    # Reductions (tensor.hpp)
    ('sum', lambda a: a.sum(), [I([3, 4], 23)]),
    ('sum_axis', lambda a: a.sum(0), [I([3, 4], 24)]),
    ('sum_axis_keepdim', lambda a: a.sum(-1, keepdim=True), [I([2, 3, 4], 25)]),
    ('mean', lambda a: a.mean(), [I([3, 4], 26)]),
    ('mean_axis', lambda a: a.mean(1), [I([2, 3, 4], 27)]),
    ('sum_to', lambda a: a.sum(0).sum(1, keepdim=True), [I([2, 3, 4], 28)]),
    ('broadcast_to', lambda a, w: a.expand(2, 3, 4) * w, [I([3, 1], 30), C(values([2, 3, 4], 29))]),
    # Matrix products (tensor.hpp)
    ('matmul', torch.matmul, [I([3, 4], 31), I([4, 2], 32)]),
    ('matmul_vector_vector', torch.matmul, [I([4], 33), I([4], 34)]),
    ('matmul_vector_matrix', torch.matmul, [I([3], 35), I([3, 2], 36)]),
    ('matmul_matrix_vector', torch.matmul, [I([2, 3], 37), I([3], 38)]),
    ('matmul_batched', torch.matmul, [I([2, 3, 4], 39), I([2, 4, 2], 40)]),
    ('matmul_batch_shared', torch.matmul, [I([2, 3, 4], 41), I([4, 2], 42)]),
    ('matmul_shared_batch', torch.matmul, [I([3, 4], 43), I([2, 4, 2], 44)]),
    ('matmul_transposed', lambda a, b: a.t() @ b.t(), [I([4, 3], 45), I([2, 4], 46)]),
    # Shape (tensor.hpp)
    ('reshape', lambda a, b: a.reshape(4, 3) * b, [I([3, 4], 47), I([3], 48)]),
    ('flatten', lambda a, w: a.flatten() * w, [I([2, 3], 50), C(values([6], 49))]),
    ('transpose', lambda a: a.transpose(0, 2), [I([2, 3, 4], 51)]),
    # Elementwise (tensor_math.hpp)
    ('sqrt', torch.sqrt, [I([2, 3], 52, *POS)]),
    ('abs', torch.abs, [('in', MIXED)]),
    ('leaky_relu', F.leaky_relu, [('in', MIXED)]),
    ('leaky_relu_slope', lambda a: F.leaky_relu(a, 0.2), [('in', MIXED)]),
    ('clamp', lambda a: torch.clamp(a, -0.5, 0.6), [('in', MIXED)]),
    ('clamp_min', lambda a: torch.clamp(a, min=0.0), [('in', MIXED)]),
    ('clamp_max', lambda a: torch.clamp(a, max=0.4), [('in', MIXED)]),
    ('pow_tensor', torch.pow, [I([2, 3], 53, *POS), I([2, 3], 54, -1.5, 2.5)]),
    ('pow_tensor_broadcast', torch.pow, [I([2, 1], 55, *POS), I([3], 56, -1.5, 2.5)]),
    ('pow_tensor_scalar_exponent', torch.pow, [I([4], 57, *POS), I([], 58, -1.5, 2.5)]),
    # First derivatives only: at a zero base PyTorch's second derivative is NaN (0 * log 0 inside
    # its masked formula), where Backprop's gives the limit, 0.
    ('pow_zero_base', torch.pow, [('in', t([0.0, 0.0, 2.0], [3])), ('in', t([2.0, 0.0, 1.5], [3]))], False),
    # Reductions (tensor_math.hpp)
    ('max', torch.max, [I([3, 4], 59)]),
    ('max_ties', torch.max, [('in', t([1.0, 3.0, 3.0, 2.0, 2.0, 0.0], [2, 3]))]),
    ('max_axis', lambda a: torch.max(a, 1).values, [I([3, 4], 60)]),
    ('max_axis_keepdim', lambda a: torch.max(a, 0, keepdim=True).values, [I([2, 3, 4], 61)]),
    ('max_axis_ties', lambda a: torch.max(a, 1).values, [('in', t([1.0, 3.0, 3.0, 2.0, 2.0, 0.0], [2, 3]))]),
    ('min', torch.min, [I([3, 4], 62)]),
    ('min_ties', torch.min, [('in', t([0.0, 3.0, 0.0, 2.0], [4]))]),
    ('min_axis', lambda a: torch.min(a, -1).values, [I([2, 3, 4], 63)]),
    ('argmax', lambda a: torch.argmax(a).double(), [C(values([3, 4], 64))]),
    ('argmax_axis', lambda a: torch.argmax(a, 1).double(), [C(values([3, 4], 65))]),
    ('argmax_axis_ties', lambda a: torch.argmax(a, 1, keepdim=True).double(),
     [C(t([1.0, 3.0, 3.0, 2.0, 2.0, 0.0], [2, 3]))]),
    ('argmin', lambda a: torch.argmin(a).double(), [C(values([2, 3, 4], 66))]),
    ('argmin_axis', lambda a: torch.argmin(a, 0).double(), [C(values([3, 4], 67))]),
    ('var', torch.var, [I([3, 4], 68)]),
    ('var_biased', lambda a: torch.var(a, unbiased=False), [I([5], 69)]),
    ('var_axis', lambda a: torch.var(a, 1), [I([3, 4], 70)]),
    ('var_axis_keepdim_biased', lambda a: torch.var(a, 0, unbiased=False, keepdim=True), [I([2, 3, 4], 71)]),
    ('std', torch.std, [I([3, 4], 72)]),
    ('std_axis', lambda a: torch.std(a, -1), [I([2, 3, 4], 73)]),
    ('std_axis_biased', lambda a: torch.std(a, 0, unbiased=False), [I([4, 2], 74)]),
    # Normalisation (tensor_math.hpp)
    ('softmax', lambda a: torch.softmax(a, 1), [I([3, 4], 75, -3, 3)]),
    ('softmax_axis0', lambda a: torch.softmax(a, 0), [I([3, 4], 76, -3, 3)]),
    ('softmax_3d', lambda a: torch.softmax(a, 1), [I([2, 3, 4], 77, -3, 3)]),
    ('log_softmax', lambda a: torch.log_softmax(a, -1), [I([3, 4], 78, -3, 3)]),
    ('log_softmax_axis0', lambda a: torch.log_softmax(a, 0), [I([2, 3, 4], 79, -3, 3)]),
    ('log_softmax_large', lambda a: torch.log_softmax(a, 0), [('in', t([1e4, 0.0, -5.0], [3]))]),
    ('cross_entropy', lambda a, labels: F.cross_entropy(a, labels.long()),
     [I([4, 3], 80, -3, 3), C(t([2.0, 0.0, 1.0, 2.0], [4]))]),
    # Comparisons and where (tensor_math.hpp)
    ('eq', lambda a, b: torch.eq(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('ne', lambda a, b: torch.ne(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('lt', lambda a, b: torch.lt(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('le', lambda a, b: torch.le(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('gt', lambda a, b: torch.gt(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('ge', lambda a, b: torch.ge(a, b).double(), [C(t([1.0, 2.0, 3.0], [3])), C(t([2.0, 2.0, 1.0, 3.0, 2.0, 3.0], [2, 3]))]),
    ('where', lambda c, a, b: torch.where(c != 0, a, b), [C(t([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], [2, 3])),
                                                          I([2, 3], 81), I([2, 3], 82)]),
    ('where_broadcast', lambda c, a, b: torch.where(c != 0, a * a, b * a),
     [C(t([1.0, 0.0, 1.0], [3, 1])), I([1, 4], 83), I([3, 4], 84)]),
    # A small MLP: 2-layer tanh, MSE; its gradient and a Hessian-vector product.
    ('mlp_mse', mlp_mse, [C(values([5, 3], 85)), C(values([5, 2], 86)), I([3, 4], 87), I([4], 88),
                          I([4, 2], 89), I([2], 90)]),
]


def fmt_shape(shape):
    return '[' + ','.join(str(s) for s in shape) + ']'


def line(name, field, tensor):
    if tensor._is_zerotensor():  # PyTorch's lazily allocated zeros in some second derivatives
        tensor = torch.zeros(tensor.shape)
    flat = tensor.detach().reshape(-1).tolist()
    return f'{name} {field} {fmt_shape(tensor.shape)} ' + ' '.join(repr(float(v)) for v in flat)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/tensor_golden.txt'
    lines = ['# PyTorch ' + torch.__version__ + ' tensor ops in float64 (tools/golden_tensor.py): for each case',
             '# its inputs (in: differentiable, const: not), gout = w, out = f, grad = d sum(f w)/d in,',
             '# vec = v, hvp = d/d in sum_i <grad_i, v_i>; line: case field [shape] values...']
    for case_no, (name, f, inputs, *flags) in enumerate(CASES):
        second = not flags or flags[0]
        args = []
        for kind, value in inputs:
            x = value.clone().requires_grad_(kind == 'in')
            args.append(x)
            lines.append(line(name, kind, x))
        diff = [x for (kind, _), x in zip(inputs, args) if kind == 'in']
        y = f(*args)
        lines.append(line(name, 'out', y))
        if not diff:
            continue
        w = values(list(y.shape), 1000 + case_no, 0.5, 1.5)
        lines.insert(len(lines) - 1, line(name, 'gout', w))
        grads = torch.autograd.grad((y * w).sum(), diff, create_graph=True, allow_unused=True)
        vs = [values(list(x.shape), 2000 + 10 * case_no + i) for i, x in enumerate(diff)]
        dot = sum((g * v).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
        hvps = [None] * len(diff)
        if torch.is_tensor(dot) and dot.requires_grad:
            hvps = torch.autograd.grad(dot, diff, allow_unused=True)
        for x, g in zip(diff, grads):
            lines.append(line(name, 'grad', g if g is not None else torch.zeros_like(x)))
        if not second:
            continue
        for v in vs:
            lines.append(line(name, 'vec', v))
        for x, h in zip(diff, hvps):
            lines.append(line(name, 'hvp', h if h is not None else torch.zeros_like(x)))
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    print(f'wrote {out}: {len(CASES)} cases')


if __name__ == '__main__':
    main()
