#!/usr/bin/env bash
# W2 beside LibTorch: MNIST-10k MLP 784-128-64-10, batch 16 / 64 / 256, one BLAS thread each
# (bench/blas-env.sh).
# Each batch size runs ROUNDS times (default 3), the two programs in turn; per side the best
# epoch time over rounds, the ratio, the test accuracies and the peak RSS.
#
# usage: bench/bench_w2.sh [BUILD_DIR]     (needs libtorch-dev: tools/install-deps.sh --peers)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-3}
source "$here/bench/blas-env.sh" "$build/bench/bench_w2"
lt=${LIBTORCH_BUILD:-/tmp/backprop-libtorch-bench}
if [[ ! -x "$lt/libtorch_mnist_mlp" ]]; then
  cmake -S "$shared/bench/libtorch" -B "$lt" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$lt" -j2 --target libtorch_mnist_mlp > /dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for batch in 16 64 256; do
  for r in $(seq "$rounds"); do
    /usr/bin/time -f '%M' -o "$tmp/lt.rss" "$lt/libtorch_mnist_mlp" "$here/data/mnist-10k" 128,64 "$batch" "$epochs" "$OPENBLAS_NUM_THREADS" > "$tmp/lt.out"
    /usr/bin/time -f '%M' -o "$tmp/bp.rss" "$build/bench/bench_w2" --batch "$batch" --epochs "$epochs" > "$tmp/bp.out"
    lt_s=$(sed -n 's/.*: \([0-9.]*\) s\/epoch.*/\1/p' "$tmp/lt.out"); lt_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/lt.out")
    bp_s=$(sed -n 's/.*: \([0-9.]*\) s\/epoch.*/\1/p' "$tmp/bp.out"); bp_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/bp.out")
    echo "$batch $lt_s $bp_s $lt_acc $bp_acc $(cat "$tmp/lt.rss") $(cat "$tmp/bp.rss")" >> "$tmp/rows"
  done
done
python3 - "$tmp/rows" "$epochs" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
import os
print(f"W2, {sys.argv[2]} epochs, {os.environ['OPENBLAS_NUM_THREADS']} BLAS thread(s) each, "
      f"OpenBLAS core {os.environ.get('OPENBLAS_CORETYPE', 'as detected')}; best epoch of each side over the rounds:")
for batch in ("16", "64", "256"):
    r = [x for x in rows if x[0] == batch]
    lt, bp = min(float(x[1]) for x in r), min(float(x[2]) for x in r)
    print(f"  batch {batch:>3}: LibTorch {lt:.4f} s/epoch, Backprop {bp:.4f} s/epoch: {lt / bp:.2f}x; "
          f"test acc {float(r[0][3]):.4f} / {float(r[0][4]):.4f}; peak RSS {int(r[0][5]) / 1024:.1f} / {int(r[0][6]) / 1024:.1f} MiB")
PY
