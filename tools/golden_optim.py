#!/usr/bin/env python3
"""Writes tests/fixtures/optim_golden.txt: PyTorch's optimizer trajectories, the reference for
tests/test_optim_golden.cpp.

Each configuration minimises the same small function of three weights, in float64, for 20 steps
from w = (-0.5, 1.5, 0.8):
    f(w) = (1 - w0)^2 + 5 (w1 - w0^2)^2 + log(1 + w2^2) + sigmoid(w0 w2)
and records w after every step. The test runs Backprop's optimizers on the same function built
from autograd::Value and must agree within 1e-9.
usage: /usr/bin/python3 tools/golden_optim.py [OUT]   (needs python3-torch)
"""
import sys
import torch

torch.set_default_dtype(torch.float64)

CONFIGS = [
    ('sgd', lambda p: torch.optim.SGD(p, lr=0.01)),
    ('sgd_momentum', lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    ('sgd_nesterov', lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
    ('sgd_dampening_wd', lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.5, dampening=0.3, weight_decay=0.1)),
    ('rprop', lambda p: torch.optim.Rprop(p, lr=0.01)),
    ('rprop_custom', lambda p: torch.optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ('adam', lambda p: torch.optim.Adam(p, lr=0.05)),
    ('adam_wd', lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
]


def f(w):
    return (1 - w[0]) ** 2 + 5 * (w[1] - w[0] ** 2) ** 2 + torch.log(1 + w[2] ** 2) + torch.sigmoid(w[0] * w[2])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/optim_golden.txt'
    lines = ['# PyTorch ' + torch.__version__ + ' optimizer trajectories in float64 (tools/golden_optim.py)',
             '# f(w) = (1 - w0)^2 + 5 (w1 - w0^2)^2 + log(1 + w2^2) + sigmoid(w0 w2), w = (-0.5, 1.5, 0.8)',
             '# columns: config step w0 w1 w2 (after that step)']
    for name, make in CONFIGS:
        w = torch.tensor([-0.5, 1.5, 0.8], requires_grad=True)
        opt = make([w])
        for step in range(1, 21):
            opt.zero_grad()
            f(w).backward()
            opt.step()
            lines.append(f'{name} {step} ' + ' '.join(repr(float(x)) for x in w.detach()))
    with open(out, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
