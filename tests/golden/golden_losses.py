#!/usr/bin/env python3
"""Golden values of the tensor losses from PyTorch (float64): loss and the input's gradient for
each loss and reduction, on fixed inputs that tests/test_losses.cpp builds the same way.
Writes tests/fixtures/losses_golden.txt: one line per case,
  <loss> <reduction> <value> <gradient values...>
(for reduction none, the value is the sum and the gradient is that of the sum).
Run it with the python3 that has torch (Debian's python3-torch): /usr/bin/python3 tests/golden/golden_losses.py"""
import torch
import torch.nn.functional as F

from fixtures import FIXTURES

torch.set_default_dtype(torch.float64)
logits = torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [1e4, -1e4, 0.0], [0.3, 0.3, -0.2]])
labels = torch.tensor([2, 0, 1, 1])
x = torch.tensor([[0.5, -1.5], [2.0, 0.25], [-3.0, 40.0]])
target = torch.tensor([[1.0, 0.0], [0.5, 1.0], [0.0, 1.0]])
probs = torch.tensor([[0.9, 0.2], [0.5, 1.0], [1e-60, 0.7]])
# logits of +-1e4 for bce_with_logits: saturated right (loss 0), wrong (1e4) and half-way (5000)
xl = torch.tensor([[0.5, -1.5], [1e4, -1e4], [1e4, -1e4], [1e4, -1e4], [-3.0, 40.0]])
targetl = torch.tensor([[1.0, 0.0], [0.5, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
bce_weight = torch.tensor([0.5, 2.0])  # broadcast over the rows of probs
scores = torch.tensor([0.5, -2.0, 1.5, 0.9])
signs = torch.tensor([1.0, -1.0, -1.0, 1.0])
# kl_div: log-probabilities of x's rows against target rows with a zero (xlogy's 0 log 0), and
# log-probability targets
logp = torch.log_softmax(x, 1)
kl_target = torch.tensor([[0.25, 0.75], [0.0, 1.0], [0.6, 0.4]])
kl_log_target = torch.log(torch.tensor([[0.25, 0.75], [0.1, 0.9], [0.6, 0.4]]))

cases = {
    "cross_entropy": (logits, lambda a, r: F.cross_entropy(a, labels, reduction=r)),
    "nll_loss": (logits.log_softmax(1), lambda a, r: F.nll_loss(a, labels, reduction=r)),
    "mse_loss": (x, lambda a, r: F.mse_loss(a, target, reduction=r)),
    "binary_cross_entropy": (probs, lambda a, r: F.binary_cross_entropy(a, target, reduction=r)),
    "binary_cross_entropy_weighted": (probs, lambda a, r: F.binary_cross_entropy(a, target, weight=bce_weight,
                                                                                 reduction=r)),
    "binary_cross_entropy_with_logits": (xl, lambda a, r: F.binary_cross_entropy_with_logits(a, targetl, reduction=r)),
    "hinge_loss": (scores, lambda a, r: torch.relu(1 - signs * a).mean() if r == "mean" else
                   (torch.relu(1 - signs * a).sum() if r == "sum" else torch.relu(1 - signs * a))),
    # x - target = [-0.5, -1.5, 1.5, -0.75, -3, 39]: both pieces of each
    "l1_loss": (x, lambda a, r: F.l1_loss(a, target, reduction=r)),
    "smooth_l1_loss": (x, lambda a, r: F.smooth_l1_loss(a, target, reduction=r, beta=0.8)),
    "smooth_l1_loss_beta0": (x, lambda a, r: F.smooth_l1_loss(a, target, reduction=r, beta=0.0)),
    "huber_loss": (x, lambda a, r: F.huber_loss(a, target, reduction=r, delta=2.0)),
    "kl_div": (logp, lambda a, r: F.kl_div(a, kl_target, reduction=r)),
    "kl_div_log_target": (logp, lambda a, r: F.kl_div(a, kl_log_target, reduction=r, log_target=True)),
}
lines = []
for name, (inp, f) in cases.items():
    for r in ("mean", "sum", "none") + (("batchmean",) if name.startswith("kl_div") else ()):
        a = inp.clone().requires_grad_()
        out = f(a, r)
        total = out.sum()
        total.backward()
        values = [repr(float(total))] + [repr(float(v)) for v in a.grad.flatten()]
        lines.append(f"{name} {r} " + " ".join(values))
out = FIXTURES / "losses_golden.txt"
out.write_text("\n".join(lines) + "\n")
print(f"wrote {len(lines)} cases to {out}")
