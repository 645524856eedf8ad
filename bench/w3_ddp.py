#!/usr/bin/env python3
"""W3 on PyTorch's DistributedDataParallel (gloo), the peer of bench_w3_dist.

The computation of ../shared/bench/torch_mnist_mlp.py (MLP, cross-entropy, SGD lr 0.05 momentum
0.9, shuffled batches) trained by --world processes on one machine, each on its share of every
global batch, as bench_w3_dist splits it: rank r of P takes rows [i + rB/P, i + (r+1)B/P) of each
global batch's slice of the epoch's permutation. Each process runs one thread and is pinned to
one core (mpirun pins bench_w3_dist's ranks alike): the peer at its best settings.

usage: /usr/bin/python3 bench/w3_ddp.py DATA_DIR --hidden 1024,1024 --batch 256 --epochs 3 --world 2
Prints (rank 0) one line in torch_mnist_mlp.py's format.
"""
import argparse, gzip, os, socket, struct, time
import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = struct.unpack('>I', data[:4])[0] & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def run(rank, a, port):
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[rank % len(cores)]})
    torch.set_num_threads(1)
    os.environ['MASTER_ADDR'], os.environ['MASTER_PORT'] = '127.0.0.1', str(port)
    dist.init_process_group('gloo', rank=rank, world_size=a.world)
    torch.manual_seed(0)
    xtr = torch.tensor(idx(f'{a.data}/train-images-idx3-ubyte.gz').reshape(-1, 784), dtype=torch.float32) / 255
    ytr = torch.tensor(idx(f'{a.data}/train-labels-idx1-ubyte.gz'), dtype=torch.long)
    xte = torch.tensor(idx(f'{a.data}/test-images-idx3-ubyte.gz').reshape(-1, 784), dtype=torch.float32) / 255
    yte = torch.tensor(idx(f'{a.data}/test-labels-idx1-ubyte.gz'), dtype=torch.long)
    sizes = [784] + [int(h) for h in a.hidden.split(',')] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Sequential(*layers))  # broadcasts rank 0's
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    share = a.batch // a.world
    times = []
    for ep in range(a.epochs):
        perm = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(ep))  # the same on every rank
        dist.barrier()
        t0 = time.perf_counter()
        for i in range(0, len(xtr), a.batch):
            rows = perm[i:i + a.batch]
            part = (len(rows) + a.world - 1) // a.world if len(rows) < a.batch else share
            j = rows[rank * part:(rank + 1) * part]
            opt.zero_grad()
            lossf(model(xtr[j]), ytr[j]).backward()
            opt.step()
        dist.barrier()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f'torch-ddp mlp {a.hidden} batch={a.batch} ranks={a.world}: {min(times):.4f} s/epoch '
              f'(best of {a.epochs}), {len(xtr) / min(times):.0f} samples/s, test acc {acc:.4f}', flush=True)
    dist.destroy_process_group()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('data'); p.add_argument('--hidden', default='1024,1024')
    p.add_argument('--batch', type=int, default=256); p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--world', type=int, default=2); p.add_argument('--lr', type=float, default=0.05)
    a = p.parse_args()
    if a.batch % a.world:
        p.error(f'--batch {a.batch} is not a multiple of --world {a.world}')
    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(run, args=(a, port), nprocs=a.world)
