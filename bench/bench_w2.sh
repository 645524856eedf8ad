#!/usr/bin/env bash
# W2 and W3 beside LibTorch: an MNIST-10k MLP, per batch size the best epoch of each side over the
# rounds, their ratio, the test accuracies and peak RSS; and the GEMM floors of the same epoch (its
# matrix products alone, as bare calls of OpenBLAS at its best kernels and of oneDNN), so that
# Backprop's epoch can be set against what the products alone cost.
#
# The peer runs at its best settings, Backprop with none (bench/blas-env.sh). Each round runs the
# programs in turn, so both sides see the same machine; the machine is shared and noisy.
#
# usage: bench/bench_w2.sh [BUILD_DIR]            (needs libtorch-dev: tools/install-deps.sh --peers)
#   environment: ROUNDS (3), EPOCHS (3), THREADS (1), HIDDEN (128,64), BATCHES ("16 64 256")
#   W3: HIDDEN=1024,1024 BATCHES=256 bench/bench_w2.sh
# The last lines, "RESULT ...", are what bench/plot_ratios.py reads.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-3}
hidden=${HIDDEN:-128,64}
batches=${BATCHES:-16 64 256}
source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
source "$here/bench/libtorch-peer.sh"
libtorch_peer libtorch_mnist_mlp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${BACKPROP_ENV[@]}" "$build/bench/bench_w2" --epochs 1 | head -n 1   # which library runs Backprop's products
for batch in $batches; do
  for r in $(seq "$rounds"); do
    /usr/bin/time -f '%M' -o "$tmp/lt.rss" "${PEER_ENV[@]}" "$lt/libtorch_mnist_mlp" "$here/data/mnist-10k" "$hidden" "$batch" "$epochs" "$threads" > "$tmp/lt.out"
    /usr/bin/time -f '%M' -o "$tmp/bp.rss" "${BACKPROP_ENV[@]}" "$build/bench/bench_w2" --hidden "$hidden" --batch "$batch" --epochs "$epochs" > "$tmp/bp.out"
    "${PEER_ENV[@]}" "$build/bench/bench_gemm_floor" --library openblas --hidden "$hidden" --batch "$batch" --epochs "$epochs" --threads "$threads" > "$tmp/fo.out"
    "${PEER_ENV[@]}" "$build/bench/bench_gemm_floor" --library onednn --hidden "$hidden" --batch "$batch" --epochs "$epochs" --threads "$threads" > "$tmp/fd.out"
    lt_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/lt.out"); bp_acc=$(sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$tmp/bp.out")
    echo "$batch $(seconds 'batch=' "$tmp/lt.out") $(seconds 'backprop' "$tmp/bp.out") $lt_acc $bp_acc $(cat "$tmp/lt.rss") $(cat "$tmp/bp.rss") $(seconds 'floor' "$tmp/fo.out") $(seconds 'floor' "$tmp/fd.out")" >> "$tmp/rows"
  done
done
python3 - "$tmp/rows" "$epochs" "$threads" "$hidden" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
epochs, threads, hidden = sys.argv[2], sys.argv[3], sys.argv[4]
workload = "W3" if hidden == "1024,1024" else "W2"
goals = {"16": 3.0, "64": 2.5, "256": 1.5} if workload == "W2" else {}
print(f"{workload} (784-{hidden.replace(',', '-')}-10), {epochs} epochs, {threads} thread(s) each; "
      "best epoch of each over the rounds (s/epoch):")
results = []
for batch in dict.fromkeys(r[0] for r in rows):
    r = [x for x in rows if x[0] == batch]
    lt, bp = min(float(x[1]) for x in r), min(float(x[2]) for x in r)
    fo, fd = min(float(x[7]) for x in r), min(float(x[8]) for x in r)
    goal = f" (goal {goals[batch]}x)" if batch in goals else ""
    print(f"  batch {batch:>3}: LibTorch {lt:.4f}, Backprop {bp:.4f}: {lt / bp:.2f}x{goal}; "
          f"test acc {float(r[0][3]):.4f} / {float(r[0][4]):.4f}; peak RSS {int(r[0][5]) / 1024:.1f} / {int(r[0][6]) / 1024:.1f} MiB")
    print(f"             GEMM floors: OpenBLAS (peer's kernels) {fo:.4f}, oneDNN {fd:.4f}; "
          f"Backprop's epoch at {100 * fo / bp:.0f}% / {100 * fd / bp:.0f}% of their speed")
    results.append(f"RESULT {workload} batch={batch} threads={threads} peer=LibTorch peer_s={lt:.5f} backprop_s={bp:.5f} "
                   f"ratio={lt / bp:.3f} floor_openblas_s={fo:.5f} floor_onednn_s={fd:.5f}")
print("\n".join(results))
PY
