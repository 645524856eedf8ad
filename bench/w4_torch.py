#!/usr/bin/env python3
"""Workload W4 in PyTorch, the peer of examples/digits.cpp: the 8x8 digits (first 1437 samples
train, last 360 test), sigmoid MLP 64-32-10, MSE on one-hot targets; Rprop full batch, then SGD
lr 0.5 momentum 0.9 on shuffled mini-batches of 32. One thread.
usage: w4_torch.py DIGITS_CSV_GZ [RPROP_EPOCHS] [SGD_EPOCHS]"""
import gzip
import sys
import time

import torch

torch.set_num_threads(1)
path = sys.argv[1]
rprop_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 300
sgd_epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 60
rows = [list(map(float, line.split(","))) for line in gzip.open(path, "rt") if line.strip()]
data = torch.tensor(rows, dtype=torch.float32)
x, y = data[:, :64] / 16.0, data[:, 64].long()
xtr, xte, ytr, yte = x[:1437], x[1437:], y[:1437], y[1437:]
ttr = torch.nn.functional.one_hot(ytr, 10).float()


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Sigmoid(), torch.nn.Linear(32, 10), torch.nn.Sigmoid())


def accuracy(m):
    with torch.no_grad():
        return (m(xte).argmax(1) == yte).float().mean().item()


m = model()
opt = torch.optim.Rprop(m.parameters(), lr=0.01)
t0 = time.perf_counter()
for e in range(rprop_epochs):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(m(xtr), ttr)
    loss.backward()
    opt.step()
s = time.perf_counter() - t0
print(f"W4 torch rprop full batch: {rprop_epochs} epochs in {s:.3f} s ({1e3 * s / rprop_epochs:.2f} ms/epoch), "
      f"loss {loss.item():.5f}, test accuracy {accuracy(m):.4f}")

m = model()
opt = torch.optim.SGD(m.parameters(), lr=0.5, momentum=0.9)
g = torch.Generator().manual_seed(0)
t0 = time.perf_counter()
for e in range(sgd_epochs):
    perm = torch.randperm(1437, generator=g)
    total = 0.0
    for i in range(0, 1437, 32):
        j = perm[i:i + 32]
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(m(xtr[j]), ttr[j])
        loss.backward()
        opt.step()
        total += loss.item()
s = time.perf_counter() - t0
print(f"W4 torch sgd+momentum batch 32: {sgd_epochs} epochs in {s:.3f} s ({1e3 * s / sgd_epochs:.2f} ms/epoch), "
      f"loss {total / 45:.5f}, test accuracy {accuracy(m):.4f}")
