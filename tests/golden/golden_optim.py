#!/usr/bin/env python3
"""Writes tests/fixtures/optim_golden.txt and tests/fixtures/optim_tensor_golden.txt: PyTorch's
optimizer and scheduler trajectories, the references for tests/test_optim_golden.cpp and
tests/test_optim_tensor_golden.cpp.

1. Scalar weights (optim_golden.txt):

Each configuration minimises the same small function of three weights, in float64, for 20 steps
from w = (-0.5, 1.5, 0.8):
    f(w) = (1 - w0)^2 + 5 (w1 - w0^2)^2 + log(1 + w2^2) + sigmoid(w0 w2)
and records w after every step. The test runs Backprop's optimizers on the same function built
from autograd::Value and must agree within 1e-9.

2. Tensor weights (optim_tensor_golden.txt): every optimizer, with and without its options, every
learning-rate scheduler and gradient clipping, for 20 steps on a small float64 problem with four
tensor parameters of different shapes (see tensor_loss below); records the lr, the total gradient
norm clip_grad_norm_ returned (0 without clipping) and every weight after each step. The fourth
parameter enters the loss only every third step: in the other steps no backward reaches it, its
grad is None (zero_grad(set_to_none=True)) and the optimizers skip it, which checks that
per-parameter step counts (Adam's bias correction, Adagrad's lr decay) match PyTorch's.
usage: /usr/bin/python3 tests/golden/golden_optim.py [OUT [TENSOR_OUT]]   (needs python3-torch)
"""
import math
import sys

import torch

from fixtures import FIXTURES

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


# The tensor problem: a small least-squares fit through tanh, a scaled Rosenbrock valley on the
# columns of c, and a term in d that only every third step contains. float64 throughout.
X = [[0.5, -1.2, 0.3], [1.5, 0.2, -0.7], [-0.4, 0.9, 1.1], [0.8, -0.3, -1.6]]
Y = [[0.2, -0.5], [0.7, 0.1], [-0.3, 0.4], [0.5, -0.8]]
T = [0.5, -1.0, 2.0]
START = {'W': ([0.1, -0.2, 0.4, 0.3, -0.5, 0.2], [3, 2]), 'b': ([0.05, -0.1], [2]),
         'c': ([-1.2, 1.0, 0.5, 1.5], [2, 2]), 'd': ([1.0, -0.5, 0.25], [3])}


def tensor_loss(W, b, c, d, step):
    """mean((tanh(X W + b) - Y)^2) + 0.1 sum((1 - c0)^2 + 5 (c1 - c0^2)^2) [+ sum(log(1 + (d - T)^2)) when 3 | step]"""
    x, y, t = torch.tensor(X), torch.tensor(Y), torch.tensor(T)
    fit = ((torch.tanh(x @ W + b) - y) ** 2).mean()
    c0, c1 = c[:, 0:1], c[:, 1:2]
    valley = ((1 - c0) ** 2 + 5 * (c1 - c0 ** 2) ** 2).sum() * 0.1
    loss = fit + valley
    if step % 3 == 0:
        loss = loss + torch.log(1 + (d - t) ** 2).sum()
    return loss


O = torch.optim
S = torch.optim.lr_scheduler
# name: (optimizer, scheduler or None, clip (max_norm, norm_type) or None)
TENSOR_CONFIGS = [
    ('sgd', lambda p: O.SGD(p, lr=0.05), None, None),
    ('sgd_momentum', lambda p: O.SGD(p, lr=0.05, momentum=0.9), None, None),
    ('sgd_nesterov', lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True), None, None),
    ('sgd_dampening_wd', lambda p: O.SGD(p, lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1), None, None),
    ('rprop', lambda p: O.Rprop(p, lr=0.01), None, None),
    ('rprop_custom', lambda p: O.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)), None, None),
    ('adam', lambda p: O.Adam(p, lr=0.05), None, None),
    ('adam_wd', lambda p: O.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), None, None),
    ('adamw', lambda p: O.AdamW(p, lr=0.05), None, None),
    ('adamw_custom', lambda p: O.AdamW(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3), None, None),
    ('rmsprop', lambda p: O.RMSprop(p, lr=0.01), None, None),
    ('rmsprop_momentum_wd', lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, weight_decay=0.05, momentum=0.5), None, None),
    ('rmsprop_centered', lambda p: O.RMSprop(p, lr=0.01, centered=True), None, None),
    ('rmsprop_centered_momentum',
     lambda p: O.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.05, momentum=0.7, centered=True), None, None),
    ('adagrad', lambda p: O.Adagrad(p, lr=0.1), None, None),
    ('adagrad_custom',
     lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-8),
     None, None),
    ('steplr', lambda p: O.SGD(p, lr=0.05, momentum=0.9), lambda o: S.StepLR(o, step_size=5, gamma=0.5), None),
    ('exponentiallr', lambda p: O.Adam(p, lr=0.05), lambda o: S.ExponentialLR(o, gamma=0.9), None),
    ('cosineannealinglr', lambda p: O.SGD(p, lr=0.05, momentum=0.5),
     lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001), None),
    ('cosineannealinglr_rprop', lambda p: O.Rprop(p, lr=0.05), lambda o: S.CosineAnnealingLR(o, T_max=4), None),
    ('plateau_min_rel', lambda p: O.SGD(p, lr=0.05),
     lambda o: S.ReduceLROnPlateau(o, mode='min', factor=0.5, patience=1, threshold=0.05), None),
    ('plateau_max_abs_cooldown', lambda p: O.RMSprop(p, lr=0.01),
     lambda o: S.ReduceLROnPlateau(o, mode='max', factor=0.3, patience=0, threshold=0.02, threshold_mode='abs',
                                   cooldown=2, min_lr=0.002), None),
    ('clip_norm2', lambda p: O.SGD(p, lr=0.05, momentum=0.9), None, (0.5, 2.0)),
    ('clip_norm_inf', lambda p: O.Adam(p, lr=0.05), None, (0.3, math.inf)),
    ('clip_norm3', lambda p: O.SGD(p, lr=0.05), None, (0.4, 3.0)),
]


def tensor_trajectories():
    lines = ['# PyTorch ' + torch.__version__ + ' optimizer trajectories on tensors in float64 (tests/golden/golden_optim.py)',
             '# loss at step s = mean((tanh(X W + b) - Y)^2) + 0.1 sum((1 - c[:,0])^2 + 5 (c[:,1] - c[:,0]^2)^2)',
             '#                  + (s % 3 == 0 ? sum(log(1 + (d - T)^2)) : 0), X, Y, T and the start in the script',
             '# columns: config step lr norm W(3x2) b(2) c(2x2) d(3), after that step (lr after the scheduler step,',
             '# norm the clip_grad_norm_ result, 0 without clipping)']
    for name, make_opt, make_sched, clip in TENSOR_CONFIGS:
        params = [torch.tensor(v).reshape(shape).requires_grad_() for v, shape in START.values()]
        opt = make_opt(params)
        sched = make_sched(opt) if make_sched else None
        for step in range(1, 21):
            opt.zero_grad(set_to_none=True)
            loss = tensor_loss(*params, step)
            loss.backward()
            norm = 0.0
            if clip:
                norm = float(torch.nn.utils.clip_grad_norm_(params, clip[0], clip[1]))
            opt.step()
            if isinstance(sched, S.ReduceLROnPlateau):
                sched.step(loss.item() if sched.mode == 'min' else -loss.item())
            elif sched:
                sched.step()
            values = [repr(float(x)) for p in params for x in p.detach().flatten()]
            lines.append(f'{name} {step} {opt.param_groups[0]["lr"]!r} {norm!r} ' + ' '.join(values))
    return lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else FIXTURES / 'optim_golden.txt'
    tensor_out = sys.argv[2] if len(sys.argv) > 2 else FIXTURES / 'optim_tensor_golden.txt'
    lines = ['# PyTorch ' + torch.__version__ + ' optimizer trajectories in float64 (tests/golden/golden_optim.py)',
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
    with open(tensor_out, 'w') as fh:
        fh.write('\n'.join(tensor_trajectories()) + '\n')
    print(f'wrote {tensor_out}')


if __name__ == '__main__':
    main()
