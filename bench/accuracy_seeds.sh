#!/usr/bin/env bash
# W2's test accuracy over several seeds, Backprop beside PyTorch: after three epochs at batch 16 the
# accuracy moves by points from one initialisation to the next, so a single run of each side (the
# speed benchmark's) cannot tell whether the two train alike. Per batch size: the mean and the
# standard deviation over SEEDS seeds of each, and the difference of the means.
#
# PyTorch runs ../shared/bench/torch_mnist_mlp.py (the same model, data, SGD and order of work as
# the LibTorch program of bench_w2.sh), whose seed is fixed at 0: it is run with torch.manual_seed
# given each seed instead. Backprop runs bench_w2 --seed. Accuracy only: no times are taken here.
#
# usage: bench/accuracy_seeds.sh [BUILD_DIR]   environment: SEEDS (10), BATCHES ("16 64 256"), EPOCHS (3)
# The last lines, "ACCURACY ...", are one per batch size.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
seeds=${SEEDS:-10}
batches=${BATCHES:-16 64 256}
epochs=${EPOCHS:-3}
python=${PYTHON:-/usr/bin/python3}
reference=$shared/bench/torch_mnist_mlp.py
[[ -f "$reference" ]] || { echo "accuracy_seeds: no $reference" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for batch in $batches; do
  for seed in $(seq 0 $((seeds - 1))); do
    torch_acc=$(OPENBLAS_NUM_THREADS=1 "$python" - "$seed" "$reference" "$here/data/mnist-10k" --batch "$batch" --epochs "$epochs" <<'PY' | sed -n 's/.*test acc \([0-9.]*\).*/\1/p'
import runpy, sys
import torch
seed, path = int(sys.argv[1]), sys.argv[2]
manual_seed = torch.manual_seed
torch.manual_seed = lambda _fixed: manual_seed(seed)  # the reference seeds with 0: use this run's seed
sys.argv = [path] + sys.argv[3:]
runpy.run_path(path, run_name="__main__")
PY
)
    bp_acc=$(BACKPROP_NUM_THREADS=1 "$build/bench/bench_w2" --batch "$batch" --epochs "$epochs" --seed "$seed" | sed -n 's/.*test acc \([0-9.]*\).*/\1/p')
    [[ -n "$torch_acc" && -n "$bp_acc" ]] || { echo "accuracy_seeds: no accuracy at batch $batch, seed $seed" >&2; exit 1; }
    printf '%s %s %s %s\n' "$batch" "$seed" "$torch_acc" "$bp_acc" >> "$tmp"
  done
done
python3 - "$tmp" "$seeds" "$epochs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(f"W2 test accuracy after {sys.argv[3]} epochs, seeds 0-{int(sys.argv[2]) - 1} (mean +- sd; min-max):")
for batch in dict.fromkeys(r[0] for r in rows):
    t = [100 * float(r[2]) for r in rows if r[0] == batch]
    b = [100 * float(r[3]) for r in rows if r[0] == batch]
    diff = statistics.mean(b) - statistics.mean(t)
    print(f"  batch {batch:>3}: PyTorch {statistics.mean(t):.2f} +- {statistics.stdev(t):.2f} ({min(t):.2f}-{max(t):.2f}), "
          f"Backprop {statistics.mean(b):.2f} +- {statistics.stdev(b):.2f} ({min(b):.2f}-{max(b):.2f}): {diff:+.2f} points")
    print(f"ACCURACY W2 batch={batch} seeds={len(t)} pytorch_mean={statistics.mean(t):.3f} backprop_mean={statistics.mean(b):.3f} "
          f"diff_points={diff:.3f}")
PY
