#!/usr/bin/env python3
"""Writes tests/fixtures/tensor_golden.txt: PyTorch's values, gradients and second derivatives
for the tensor ops, in float64 and (a subset) in float32, the reference for
tests/test_tensor_golden.cpp.

Every case is a function of some tensors. The inputs are fixed by the formula in `values` (a
deterministic hash of the position, no random generator), so the fixture is reproducible with
any PyTorch version. For each case the fixture holds:
    in     a differentiable input (in order)      const  an input that takes no gradient
    gout   the output's gradient w                vec    one direction v_i per differentiable input
    out    f(inputs)                              grad   d sum(f * w) / d in_i, one per input
    hvp    d/d in_j  sum_i <d sum(f * w) / d in_i, v_i>  (a Hessian-vector product), one per input
one line each: `case dtype field [shape] value value ...`, dtype `float64` or `float32`: the
dtype of every tensor of that line and the one PyTorch computed in. A case is identified by its
name and dtype (the same name may appear in both). float64 values are written as Python's repr
(round-trip exact); float32 values as the shortest decimal that gives the same float32 back when
read as a double and rounded to float32 (what the C++ test does).
Every case of CASES is written in float64; the cases named in FLOAT32 again in float32: the
inputs, w and v are the float64 ones rounded to float32, and PyTorch computes in torch.float32.
A case marked False in CASES has no vec and hvp lines (first derivatives only).
The C++ test has one lambda per case name, applied to tensors of the row's dtype, and its own
copy of FLOAT32 (float32_cases()); it must agree within 1e-12 relative in float64 and within a
float32 tolerance in float32 (see the test).
usage: /usr/bin/python3 tests/golden/golden_tensor.py [OUT]   (needs python3-torch)
"""
import math
import struct
import sys

import torch
import torch.nn.functional as F

from fixtures import FIXTURES

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
    # Elementwise (ops/elementwise.hpp)
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
    # Reductions (ops/reduce.hpp)
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
    # Normalisation (ops/softmax.hpp)
    ('softmax', lambda a: torch.softmax(a, 1), [I([3, 4], 75, -3, 3)]),
    ('softmax_axis0', lambda a: torch.softmax(a, 0), [I([3, 4], 76, -3, 3)]),
    ('softmax_3d', lambda a: torch.softmax(a, 1), [I([2, 3, 4], 77, -3, 3)]),
    ('log_softmax', lambda a: torch.log_softmax(a, -1), [I([3, 4], 78, -3, 3)]),
    ('log_softmax_axis0', lambda a: torch.log_softmax(a, 0), [I([2, 3, 4], 79, -3, 3)]),
    ('log_softmax_large', lambda a: torch.log_softmax(a, 0), [('in', t([1e4, 0.0, -5.0], [3]))]),
    ('cross_entropy', lambda a, labels: F.cross_entropy(a, labels.long()),
     [I([4, 3], 80, -3, 3), C(t([2.0, 0.0, 1.0, 2.0], [4]))]),
    # Comparisons and where (ops/compare.hpp)
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
    # Select, join and rearrange (ops/index.hpp, ops/shape.hpp). These ops are linear, so each has a case
    # through a nonlinear function too (`_hvp`): its Hessian-vector product differentiates the
    # op's recorded backward (slice's pad, index_select's and gather's scatter-add, ...).
    ('permute', lambda a: a.permute(2, 0, 1), [I([2, 3, 4], 91)]),
    ('permute_negative', lambda a: a.permute(1, -1, 0), [I([2, 3, 4], 92)]),
    ('permute_hvp', lambda a, b: torch.tanh(a.permute(1, 0)) * b, [I([3, 2], 93), I([2, 3], 94)]),
    ('squeeze', lambda a: a.squeeze(), [I([2, 1, 3, 1], 95)]),
    ('squeeze_to_0d', lambda a: a.squeeze(), [I([1, 1], 96)]),
    ('squeeze_axis', lambda a: a.squeeze(1), [I([2, 1, 3, 1], 97)]),
    ('squeeze_axis_negative', lambda a: a.squeeze(-1), [I([2, 1, 3, 1], 98)]),
    ('squeeze_axis_not_one', lambda a: a.squeeze(0), [I([2, 1, 3], 99)]),
    ('unsqueeze', lambda a: a.unsqueeze(0), [I([2, 3], 100)]),
    ('unsqueeze_middle', lambda a: a.unsqueeze(1), [I([2, 3], 101)]),
    ('unsqueeze_negative', lambda a: a.unsqueeze(-1), [I([2, 3], 102)]),
    ('squeeze_unsqueeze_hvp', lambda a, b: torch.exp(a.squeeze(1)).unsqueeze(-1) * b,
     [I([3, 1], 103), I([3, 2], 104)]),
    ('expand', lambda a: a.expand(2, 3, 4), [I([3, 1], 105)]),
    ('expand_keep', lambda a: a.expand(3, -1), [I([1, 4], 106)]),
    ('expand_same', lambda a: a.expand(2, 3), [I([2, 3], 107)]),
    ('expand_hvp', lambda a, b: torch.tanh(a.expand(2, -1, 3)) * b, [I([4, 1], 108), I([2, 4, 3], 109)]),
    ('slice', lambda a: a[1:3], [I([4, 3], 110)]),
    ('slice_axis1', lambda a: a[:, 1:], [I([3, 4], 111)]),
    ('slice_negative', lambda a: a[:, -3:-1], [I([2, 5], 112)]),
    ('slice_clamped', lambda a: a[:, -10:100], [I([2, 4], 113)]),
    ('slice_clamped_start', lambda a: a[-100:2], [I([3, 2], 114)]),
    ('slice_step', lambda a: a[:, ::2], [I([2, 5], 115)]),
    ('slice_step_offset', lambda a: a[:, :, 1:100:3], [I([2, 2, 7], 116)]),
    ('slice_negative_bounds_step', lambda a: a[-4:-1:2], [I([5, 2], 117)]),
    ('slice_empty', lambda a: a[3:1], [I([4, 3], 118)]),
    ('slice_hvp', lambda a: torch.tanh(a[:, 1::2]) * a[:, ::2], [I([3, 6], 119, -2, 2)]),
    ('index_select', lambda a: a.index_select(1, torch.tensor([2, 0, 2])), [I([3, 4], 120)]),
    ('index_select_axis0', lambda a: a.index_select(0, torch.tensor([1, 1, 0, 2])), [I([3, 2], 121)]),
    ('index_select_3d', lambda a: a.index_select(-1, torch.tensor([3, 1])), [I([2, 3, 4], 122)]),
    ('index_select_hvp', lambda a: torch.exp(a.index_select(0, torch.tensor([1, 1, 0]))) * a,
     [I([3, 2], 123)]),
    ('gather', lambda a: a.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])), [I([3, 4], 124)]),
    ('gather_axis0', lambda a: a.gather(0, torch.tensor([[2, 0, 1], [2, 2, 0]])), [I([3, 3], 125)]),
    ('gather_3d', lambda a: a.gather(1, torch.tensor([[[1, 0], [2, 2]], [[0, 0], [1, 2]]])), [I([2, 3, 4], 126)]),
    ('gather_tensor_index', lambda a, idx: a.gather(-1, idx.long()),
     [I([3, 4], 127), C(t([3.0, 0.0, 0.0, 1.0, 2.0, 1.0, 3.0, 2.0, 3.0], [3, 3]))]),
    ('gather_hvp', lambda a: torch.exp(a.gather(1, torch.tensor([[1, 1, 0], [2, 0, 0]]))), [I([2, 3], 128)]),
    ('concat', lambda a, b: torch.cat([a, b], 0), [I([2, 3], 129), I([1, 3], 130)]),
    ('concat_axis1_three', lambda a, b, c: torch.cat([a, b, c], 1), [I([2, 1], 131), I([2, 3], 132), I([2, 2], 133)]),
    ('concat_negative_axis', lambda a, b: torch.cat([a, b], -1), [I([2, 2, 1], 134), I([2, 2, 3], 135)]),
    ('concat_const', lambda a, c: torch.cat([c, a], 0), [I([2, 2], 136), C(values([3, 2], 137))]),
    ('concat_one', lambda a: torch.cat([a], 1), [I([2, 3], 138)]),
    ('concat_hvp', lambda a, b: torch.tanh(torch.cat([a, b], -1)) * torch.cat([b, a], -1),
     [I([2, 3], 139), I([2, 3], 140)]),
    ('stack', lambda a, b: torch.stack([a, b]), [I([2, 3], 141), I([2, 3], 142)]),
    ('stack_axis1_three', lambda a, b, c: torch.stack([a, b, c], 1), [I([2, 3], 143), I([2, 3], 144), I([2, 3], 145)]),
    ('stack_axis_last', lambda a, b: torch.stack([a, b], -1), [I([3], 146), I([3], 147)]),
    ('stack_hvp', lambda a, b: torch.stack([a, b], 1)[:, 0] * torch.tanh(torch.stack([a, b], 1)[:, 1]),
     [I([3, 4], 148), I([3, 4], 149)]),
    ('index_chain', lambda a: a.permute(1, 0).unsqueeze(0).expand(4, -1, -1)[1:3, :, ::2] ** 2, [I([2, 3], 150)]),
    # Issue 13's ops: functions (ops/elementwise.hpp), logsumexp (ops/reduce.hpp), clone and flip
    # (ops/shape.hpp). Small arguments of log1p and expm1, where ln(1 + x) and e^x - 1 would lose
    # every digit; softplus on both sides of its threshold; maximum and minimum with ties, where
    # each operand gets half the gradient.
    ('sin', torch.sin, [I([2, 3], 151, -3, 3)]),
    ('cos', torch.cos, [I([2, 3], 152, -3, 3)]),
    ('log1p', torch.log1p, [I([5], 153, -0.9, 2.0)]),
    ('log1p_small', torch.log1p, [('in', t([1e-10, -1e-12, 3e-8], [3]))]),
    ('expm1', torch.expm1, [I([2, 3], 154, -2, 2)]),
    ('expm1_small', torch.expm1, [('in', t([1e-10, -1e-12, 3e-8], [3]))]),
    ('softplus', F.softplus, [I([2, 3], 155, -3, 3)]),
    # Not at beta x == threshold exactly: there PyTorch's forward and backward take the log1p
    # branch (beta x > threshold is false) but its double backward the linear one (0).
    ('softplus_beta_threshold', lambda a: F.softplus(a, beta=2.0, threshold=1.0),
     [('in', t([-0.7, 0.3, -0.1, 0.9, 0.45, -0.4], [2, 3]))]),
    ('softplus_large', F.softplus, [('in', t([30.0, -30.0, 19.0, 21.0], [4]))]),
    ('gelu', F.gelu, [I([2, 3], 156, -3, 3)]),
    ('gelu_tanh', lambda a: F.gelu(a, approximate='tanh'), [I([2, 3], 157, -3, 3)]),
    ('silu', F.silu, [I([2, 3], 158, -3, 3)]),
    ('elu', F.elu, [('in', MIXED)]),
    ('elu_alpha', lambda a: F.elu(a, alpha=0.5), [('in', MIXED)]),
    ('maximum', torch.maximum, [I([3, 4], 159), I([3, 4], 160)]),
    ('maximum_broadcast', torch.maximum, [I([2, 1, 3], 161), I([4, 1], 162)]),
    ('maximum_ties', torch.maximum, [('in', t([1.0, 2.0, 3.0], [3])), ('in', t([1.0, 0.0, 3.0], [3]))]),
    ('minimum_broadcast', torch.minimum, [I([3, 1], 163), I([1, 4], 164)]),
    ('minimum_ties', torch.minimum, [('in', t([1.0, 2.0, -3.0, 0.5], [2, 2])), ('in', t([1.0, -3.0], [2]))]),
    ('logsumexp', lambda a: torch.logsumexp(a, 1), [I([3, 4], 165, -3, 3)]),
    ('logsumexp_keepdim', lambda a: torch.logsumexp(a, 0, keepdim=True), [I([2, 3, 4], 166, -3, 3)]),
    ('logsumexp_negative_axis', lambda a: torch.logsumexp(a, -1), [I([2, 3, 4], 167, -3, 3)]),
    # float64 only: in float32 PyTorch's gradient exp(x - y) carries y's rounding (an ulp of 1e4 is
    # 1e-3, so 0.4999 for 0.5), where Backprop's softmax(x) gives 0.5.
    ('logsumexp_large', lambda a: torch.logsumexp(a, 0), [('in', t([1e4, 0.0, -5.0, 1e4], [4]))]),
    ('clone', lambda a: torch.clone(a), [I([2, 3], 168)]),
    ('clone_hvp', lambda a: torch.clone(a) * a, [I([2, 3], 169)]),
    ('flip', lambda a: torch.flip(a, [0, 2]), [I([2, 3, 4], 170)]),
    ('flip_negative', lambda a: torch.flip(a, [-1]), [I([3, 4], 171)]),
    ('flip_hvp', lambda a: torch.tanh(torch.flip(a, [1])) * a, [I([2, 3], 172)]),
    ('sum_axes', lambda a: a.sum((0, 2)), [I([2, 3, 4], 173)]),
    ('sum_axes_keepdim', lambda a: a.sum((-1, 1), keepdim=True), [I([2, 3, 4], 174)]),
    ('mean_axes', lambda a: a.mean((1, 2)), [I([2, 3, 4], 175)]),
    ('mean_axes_hvp', lambda a: torch.tanh(a.mean((0, 1), keepdim=True)) * a, [I([2, 3, 2], 176)]),
    ('cumsum', lambda a: torch.cumsum(a, 1), [I([3, 4], 177)]),
    ('cumsum_axis0', lambda a: torch.cumsum(a, 0), [I([2, 3, 4], 178)]),
    ('cumsum_hvp', lambda a: torch.tanh(torch.cumsum(a, -1)) * a, [I([2, 3], 179)]),
    ('prod', torch.prod, [I([2, 3], 180, 0.5, 1.5)]),
    ('prod_axis', lambda a: torch.prod(a, 1), [I([3, 4], 181)]),
    ('prod_axis_keepdim', lambda a: torch.prod(a, 0, keepdim=True), [I([2, 3, 4], 182)]),
    ('prod_one_zero', torch.prod, [('in', t([0.7, 0.0, -1.3, 0.9], [4]))]),
    # First derivatives only: with two zeros PyTorch's prod over all elements returns a constant
    # zero gradient, so its second derivative is 0 where the true one (each zero's gradient is
    # the other zero times 0.96) is not; Backprop's matches finite differences (test_tensor_ops).
    # prod_axis_zeros (two zeros per row, through PyTorch's cumprod formula) agrees to second order.
    ('prod_two_zeros', torch.prod, [('in', t([0.0, 0.8, 0.0, 1.2], [2, 2]))], False),
    ('prod_axis_zeros', lambda a: torch.prod(a, 1),
     [('in', t([0.0, 0.5, 1.5, 0.0, 0.0, 2.0, 0.0, -0.5, 0.0, 0.0, 1.1, 0.9, 0.4, 0.0, -0.3, 0.0], [4, 4]))]),
    # Issue 13, part 3: tiling and splitting (the parts recombined by products: second derivatives)
    ('repeat', lambda a: a.repeat(2, 1, 3), [I([2, 3], 183)]),
    ('repeat_hvp', lambda a: torch.tanh(a.repeat(3, 2)) * a.repeat(3, 2), [I([2, 2], 184)]),
    ('tile_hvp', lambda a: torch.tanh(torch.tile(a, (2,))) * torch.tile(a, (1, 2)), [I([3, 2], 185)]),
    ('split_hvp', lambda a: (lambda p: torch.cat([p[2], p[0] * p[1]]))(torch.split(a, 2)), [I([5, 3], 186)]),
    ('split_with_sizes_hvp', lambda a: (lambda p: p[0] * torch.tanh(p[1]))(torch.split(a, [1, 3], -1)),
     [I([2, 4], 187)]),
    # 6 rows in 4 chunks: 3 parts of 2 (torch.chunk's ceil)
    ('chunk_hvp', lambda a: (lambda p: p[0] * p[1] + torch.sin(p[2]))(torch.chunk(a, 4)), [I([6, 2], 188)]),
    # Issue 13, part 3: matmul's batch broadcasting (torch.matmul's rules), second order through tanh
    ('matmul_broadcast_1_4', torch.matmul, [I([1, 2, 3], 190), I([4, 3, 2], 191)]),
    ('matmul_broadcast_4d', torch.matmul, [I([2, 1, 3, 4], 192), I([5, 4, 6], 193)]),
    ('matmul_broadcast_vector_4d', torch.matmul, [I([4], 194), I([2, 3, 4, 2], 195)]),
    ('matmul_broadcast_4d_vector', torch.matmul, [I([2, 1, 3, 4], 196), I([4], 197)]),
    ('matmul_broadcast_matrix_4d', torch.matmul, [I([3, 4], 198), I([2, 1, 4, 2], 199)]),
    ('matmul_broadcast_hvp', lambda a, b: torch.tanh(torch.matmul(a, b)), [I([3, 1, 2, 3], 200), I([1, 2, 3, 2], 201)]),
    ('unbind_hvp', lambda a: (lambda p: torch.stack([p[2] * p[0], p[1]], 1))(torch.unbind(a, 1)), [I([2, 3], 189)]),
]

# The cases also written in float32: every family (elementwise, reductions, matrix products,
# softmax, index ops, the MLP), as Backprop's default dtype is float32.
FLOAT32 = [
    'add_broadcast', 'div_broadcast', 'scalar_ops', 'exp', 'log', 'tanh', 'sigmoid', 'relu_grad',
    'pow_scalar_negative', 'sqrt', 'abs', 'leaky_relu_slope', 'clamp', 'pow_tensor_broadcast',
    'sum', 'sum_axis_keepdim', 'mean_axis', 'sum_to', 'broadcast_to', 'max_ties', 'max_axis', 'min_axis',
    'argmax_axis', 'var_axis', 'std_axis',
    'matmul', 'matmul_vector_vector', 'matmul_matrix_vector', 'matmul_batched', 'matmul_batch_shared',
    'matmul_shared_batch', 'matmul_transposed', 'reshape', 'transpose',
    'softmax', 'softmax_3d', 'log_softmax', 'log_softmax_axis0', 'log_softmax_large', 'cross_entropy',
    'lt', 'where_broadcast',
    'permute_hvp', 'squeeze_unsqueeze_hvp', 'expand_hvp', 'slice_negative', 'slice_step_offset', 'slice_hvp',
    'index_select_hvp', 'gather_tensor_index', 'gather_hvp', 'concat_const', 'concat_hvp', 'stack_hvp',
    'index_chain',
    'mlp_mse',
    'sin', 'cos', 'log1p_small', 'expm1', 'expm1_small', 'softplus', 'softplus_large', 'gelu', 'gelu_tanh', 'silu',
    'elu_alpha', 'maximum_broadcast', 'minimum_ties', 'logsumexp', 'logsumexp_keepdim', 'clone_hvp', 'flip_hvp',
    'sum_axes_keepdim', 'mean_axes_hvp', 'cumsum_axis0', 'cumsum_hvp', 'prod', 'prod_axis_keepdim',
    'prod_axis_zeros', 'repeat_hvp', 'split_hvp', 'chunk_hvp', 'unbind_hvp', 'matmul_broadcast_4d',
    'matmul_broadcast_hvp',
]


DTYPES = {torch.float64: 'float64', torch.float32: 'float32'}


def fmt_shape(shape):
    return '[' + ','.join(str(s) for s in shape) + ']'


def fmt_float32(v):
    """The shortest decimal that, read as a double and rounded to float32, gives v back."""
    if not math.isfinite(v):
        return repr(v)
    for digits in range(1, 10):
        text = f'{v:.{digits}g}'
        if struct.unpack('f', struct.pack('f', float(text)))[0] == v:
            return text
    raise AssertionError(f'{v!r} is not a float32')


def line(name, field, tensor):
    if tensor._is_zerotensor():  # PyTorch's lazily allocated zeros in some second derivatives
        tensor = torch.zeros(tensor.shape, dtype=tensor.dtype)
    fmt = repr if tensor.dtype == torch.float64 else fmt_float32
    flat = tensor.detach().reshape(-1).tolist()
    return ' '.join([name, DTYPES[tensor.dtype], field, fmt_shape(tensor.shape)] + [fmt(float(v)) for v in flat])


def case_lines(case_no, name, f, inputs, second, dtype):
    """The fixture lines of one case computed by PyTorch in `dtype`."""
    lines = []
    args = []
    for kind, value in inputs:
        x = value.to(dtype).clone().requires_grad_(kind == 'in')
        args.append(x)
        lines.append(line(name, kind, x))
    diff = [x for (kind, _), x in zip(inputs, args) if kind == 'in']
    y = f(*args)
    if y.dtype != dtype:  # argmax and comparisons, written as float64 by the lambdas
        assert not y.requires_grad, name
        y = y.to(dtype)
    assert y.dtype == dtype, name
    if not diff:
        return lines + [line(name, 'out', y)]
    w = values(list(y.shape), 1000 + case_no, 0.5, 1.5).to(dtype)
    lines += [line(name, 'gout', w), line(name, 'out', y)]
    grads = torch.autograd.grad((y * w).sum(), diff, create_graph=True, allow_unused=True)
    vs = [values(list(x.shape), 2000 + 10 * case_no + i).to(dtype) for i, x in enumerate(diff)]
    dot = sum((g * v).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
    hvps = [None] * len(diff)
    if torch.is_tensor(dot) and dot.requires_grad:
        hvps = torch.autograd.grad(dot, diff, allow_unused=True)
    for x, g in zip(diff, grads):
        assert g is None or g.dtype == dtype, name
        lines.append(line(name, 'grad', g if g is not None else torch.zeros_like(x)))
    if not second:
        return lines
    for v in vs:
        lines.append(line(name, 'vec', v))
    for x, h in zip(diff, hvps):
        assert h is None or h.dtype == dtype, name
        lines.append(line(name, 'hvp', h if h is not None else torch.zeros_like(x)))
    return lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else FIXTURES / 'tensor_golden.txt'
    lines = ['# PyTorch ' + torch.__version__ + ' tensor ops in float64 and float32 (tests/golden/golden_tensor.py):',
             '# for each case its inputs (in: differentiable, const: not), gout = w, out = f,',
             '# grad = d sum(f w)/d in, vec = v, hvp = d/d in sum_i <grad_i, v_i>;',
             '# line: case dtype field [shape] values... (dtype float64 or float32: the dtype PyTorch',
             '# computed the case in, and of its tensors; a case is its name and dtype).']
    names = [case[0] for case in CASES]
    assert len(set(names)) == len(names), 'duplicate case names'
    unknown = set(FLOAT32) - set(names)
    assert not unknown, f'FLOAT32 names unknown cases {unknown}'
    count = {torch.float64: 0, torch.float32: 0}
    for dtype in (torch.float64, torch.float32):
        for case_no, (name, f, inputs, *flags) in enumerate(CASES):
            if dtype == torch.float32 and name not in FLOAT32:
                continue
            lines += case_lines(case_no, name, f, inputs, not flags or flags[0], dtype)
            count[dtype] += 1
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    print(f'wrote {out}: {count[torch.float64]} float64 cases, {count[torch.float32]} float32 cases')


if __name__ == '__main__':
    main()
