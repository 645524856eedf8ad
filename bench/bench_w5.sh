#!/usr/bin/env bash
# W5 beside LibTorch: a small CNN on MNIST-10k (conv 1->8 5x5, ReLU, max-pool 2, conv 8->16 5x5,
# ReLU, max-pool 2, Linear 256->10; SGD 0.05 with momentum 0.9), per batch size the best epoch of
# each side over the rounds, their ratio (goal: Backprop 1.5x LibTorch at batch 64, one thread
# each), the test accuracies (goal: within 1 point) and peak RSS.
#
# The peer runs at its best settings, Backprop with none (bench/blas-env.sh). Each round runs the
# programs in turn, so both sides see the same machine; the machine is shared and noisy.
#
# usage: bench/bench_w5.sh [BUILD_DIR]            (needs libtorch-dev: tools/install-deps.sh --peers)
#   environment: ROUNDS (3), EPOCHS (3), THREADS (1), BATCHES ("64")
# The last lines, "RESULT ...", are what bench/plot_ratios.py reads.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-3}
batches=${BATCHES:-64}
source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
if [[ ! -x "$build/bench/bench_w5" ]]; then
  echo "bench_w5.sh: $build/bench/bench_w5 is not built (cmake --build $build --target bench_w5)" >&2
  exit 1
fi
source "$here/bench/libtorch-peer.sh"
libtorch_peer libtorch_mnist_cnn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${BACKPROP_ENV[@]}" "$build/bench/bench_w5" --epochs 1 | head -n 1   # which library runs Backprop's products
for batch in $batches; do
  for r in $(seq "$rounds"); do
    /usr/bin/time -f '%M' -o "$tmp/lt.rss" "${PEER_ENV[@]}" "$lt/libtorch_mnist_cnn" "$here/data/mnist-10k" "$batch" "$epochs" "$threads" > "$tmp/lt.out"
    /usr/bin/time -f '%M' -o "$tmp/bp.rss" "${BACKPROP_ENV[@]}" "$build/bench/bench_w5" --batch "$batch" --epochs "$epochs" > "$tmp/bp.out"
    lt_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/lt.out"); bp_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/bp.out")
    echo "$batch $(seconds 'batch=' "$tmp/lt.out") $(seconds 'backprop' "$tmp/bp.out") $lt_acc $bp_acc $(cat "$tmp/lt.rss") $(cat "$tmp/bp.rss")" >> "$tmp/rows"
  done
done
python3 - "$tmp/rows" "$epochs" "$threads" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
epochs, threads = sys.argv[2], sys.argv[3]
goals = {"64": 1.5} if threads == "1" else {}
print(f"W5 (CNN conv5-pool-conv5-pool-linear), {epochs} epochs, {threads} thread(s) each; "
      "best epoch of each over the rounds (s/epoch):")
results = []
for batch in dict.fromkeys(r[0] for r in rows):
    r = [x for x in rows if x[0] == batch]
    if any(len(x) != 7 for x in r):
        sys.exit(f"bench_w5.sh: a run at batch {batch} printed no time or accuracy: {r}")
    lt, bp = min(float(x[1]) for x in r), min(float(x[2]) for x in r)
    goal = f" (goal {goals[batch]}x)" if batch in goals else ""
    print(f"  batch {batch:>3}: LibTorch {lt:.4f}, Backprop {bp:.4f}: {lt / bp:.2f}x{goal}; "
          f"test acc {float(r[0][3]):.4f} / {float(r[0][4]):.4f}; peak RSS {int(r[0][5]) / 1024:.1f} / {int(r[0][6]) / 1024:.1f} MiB")
    results.append(f"RESULT W5 batch={batch} threads={threads} peer=LibTorch peer_s={lt:.5f} backprop_s={bp:.5f} "
                   f"ratio={lt / bp:.3f}")
print("\n".join(results))
PY
