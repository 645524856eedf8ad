#!/usr/bin/python3
"""Writes tests/fixtures/scalar_golden.txt: PyTorch's float64 values and gradients for every
scalar op of the engine, at ordinary points and at PyTorch's domain edges, plus a few composite
expressions (micrograd's two engine tests among them).

tests/test_value_ops.cpp replays each row with autograd::Value and compares. The fixture is
committed, so the tests never need PyTorch; run this script again only to add or change cases:

    /usr/bin/python3 tests/golden/golden_scalar.py            # Debian's python3-torch

Every case name below needs a lambda of the same name in test_value_ops.cpp's op table (the test
fails on a row it cannot replay, and on a lambda that no row uses).
"""

import math
import sys

import torch

from fixtures import FIXTURES

torch.set_default_dtype(torch.float64)

THIRD = 1.0 / 3.0
NEURON_B = 6.8813735870195432  # micrograd's lecture neuron: output tanh(...) = 0.7071


def micrograd_sanity(x):
    # micrograd test/test_engine.py, test_sanity_check
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a, b):
    # micrograd test/test_engine.py, test_more_ops, with `u += v` spelled `u = u + (v)` as
    # micrograd (and the C++ Value) evaluates it
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def shared_exp(x, z):
    e = torch.exp(x)
    return e * z + e


def neuron(x1, x2, w1, w2, b):
    return torch.tanh(w1 * x1 + w2 * x2 + b)


inf, nan = math.inf, math.nan

# (name, function of the inputs, list of points). The C++ table holds the same expressions.
CASES = [
    # binary ops between two Values
    ("add", lambda a, b: a + b, [(2.0, 3.0), (-1.5, 0.25), (1e10, -3e-5)]),
    ("sub", lambda a, b: a - b, [(2.0, 3.0), (-1.5, 0.25), (1e-8, 1e-8)]),
    ("mul", lambda a, b: a * b, [(2.0, 3.0), (-1.5, 0.25), (0.0, 5.0)]),
    ("div", lambda a, b: a / b, [(3.0, 4.0), (-2.0, 0.5), (1.0, 3.0),
                                 (1.0, 0.0), (-1.0, 0.0), (0.0, 0.0)]),  # x/0: +-inf, 0/0: NaN
    ("neg", lambda x: -x, [(2.5,), (-0.75,), (0.0,)]),
    # a Value and a double
    ("add_const", lambda x: x + 2.5, [(1.0,), (-4.0,)]),
    ("radd_const", lambda x: 2.5 + x, [(1.0,), (-4.0,)]),
    ("sub_const", lambda x: x - 2.5, [(1.0,), (-4.0,)]),
    ("rsub_const", lambda x: 2.0 - x, [(1.0,), (-4.0,), (0.5,)]),
    ("mul_const", lambda x: x * 3.0, [(1.5,), (-4.0,)]),
    ("rmul_const", lambda x: 3.0 * x, [(1.5,), (-4.0,)]),
    ("div_const", lambda x: x / 3.0, [(1.5,), (-4.0,)]),
    ("rdiv_const", lambda x: 1.0 / x, [(2.0,), (-0.25,), (3.0,), (0.0,)]),  # 1/0 = inf
    # pow with a double exponent (PyTorch: the gradient is 0 where the exponent is 0)
    ("pow_2", lambda x: x**2.0, [(-1.5,), (0.0,), (2.0,)]),
    ("pow_3", lambda x: x**3.0, [(-2.0,), (0.7,)]),
    ("pow_0", lambda x: x**0.0, [(3.0,), (-2.0,), (0.0,)]),  # 0^0 = 1, gradient 0
    ("pow_-1", lambda x: x**-1.0, [(2.0,), (-0.5,), (0.0,)]),
    ("pow_-2.5", lambda x: x**-2.5, [(1.7,), (0.2,)]),
    ("pow_0.5", lambda x: x**0.5, [(4.0,), (0.3,), (0.0,)]),  # sqrt'(0) = inf
    ("pow_third", lambda x: x**THIRD, [(8.0,), (0.001,), (-8.0,), (0.0,)]),  # (-8)^(1/3) = NaN
    # pow with a Value exponent (PyTorch: d/db is 0 where a == 0 and b >= 0)
    ("pow", lambda a, b: torch.pow(a, b), [(2.0, 3.0), (1.5, -0.5), (0.5, 2.5), (3.0, 0.0),
                                           (-2.0, 3.0), (0.0, 0.0), (0.0, 2.0), (0.0, -1.0),
                                           (-8.0, THIRD)]),
    # pow with a double base
    ("rpow_2", lambda x: torch.pow(2.0, x), [(3.0,), (-1.5,), (0.5,)]),
    ("rpow_0.5", lambda x: torch.pow(0.5, x), [(3.0,), (-1.5,)]),
    ("rpow_0", lambda x: torch.pow(0.0, x), [(2.0,), (0.0,), (-1.0,)]),
    # unary functions
    ("exp", torch.exp, [(0.0,), (1.0,), (-2.5,), (10.0,), (700.0,), (800.0,)]),  # e^800 = inf
    ("log", torch.log, [(1.0,), (2.5,), (0.001,), (0.0,), (-1.0,)]),  # log 0 = -inf, log -1 = NaN
    ("tanh", torch.tanh, [(0.0,), (0.5,), (-2.0,), (20.0,)]),
    ("sigmoid", torch.sigmoid, [(0.0,), (2.0,), (-3.0,), (40.0,), (-40.0,)]),
    ("relu", torch.relu, [(-2.0,), (3.5,), (0.0,)]),  # relu'(0) = 0
    # composite expressions
    ("micrograd_sanity", micrograd_sanity, [(-4.0,), (1.5,)]),
    ("micrograd_more_ops", micrograd_more_ops, [(-4.0, 2.0), (0.5, -1.5)]),
    ("shared_exp", shared_exp, [(0.5, -1.5), (-1.0, 2.0)]),
    ("square", lambda x: x * x, [(3.0,), (-1.25,)]),
    ("neuron", neuron, [(2.0, 0.0, -3.0, 1.0, NEURON_B), (0.5, -1.0, 0.3, -0.8, 0.1)]),
    ("tutorial_mse", lambda w, x: (w * x - 0.5)**2.0, [(0.8, 1.5), (0.59, 1.5)]),
]


def fmt(v):
    # repr is the shortest text that reads back to the same double; NaN and the infinities come
    # out as nan, inf, -inf, which std::strtod reads.
    return repr(float(v))


def row(name, f, point):
    inputs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    y = f(*inputs)
    y.backward()
    grads = [0.0 if x.grad is None else x.grad.item() for x in inputs]
    return " ".join([name, str(len(point))] + [fmt(p) for p in point] + [fmt(y.item())] +
                    [fmt(g) for g in grads])


def main():
    out = FIXTURES / "scalar_golden.txt"
    lines = [
        "# Golden values of the scalar ops: PyTorch %s, float64." % torch.__version__,
        "# Written by tests/golden/golden_scalar.py; do not edit by hand, run the script again.",
        "# Columns: name n x_1 .. x_n y dy/dx_1 .. dy/dx_n",
        "#   name  the case; tests/test_value_ops.cpp has a lambda of this name",
        "#   n     how many inputs (all of them leaves that require a gradient)",
        "#   x_i   the inputs; y the forward value; dy/dx_i the gradients from backward()",
        "# NaN and infinities are written nan, inf, -inf (std::strtod reads them).",
    ]
    for name, f, points in CASES:
        for point in points:
            lines.append(row(name, f, point))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("wrote %d rows to %s" % (len(lines) - 7, out), file=sys.stderr)


if __name__ == "__main__":
    main()
