#!/usr/bin/env bash
# W3 (MNIST-10k, MLP 784-1024-1024-10, batch 256) data-parallel on this machine (issue 14): two
# mpirun ranks of bench_w3_dist against one process of one thread (bench_w2); beside them PyTorch,
# one process of one thread (shared/bench/torch_mnist_mlp.py) and two DistributedDataParallel
# processes over gloo (bench/w3_ddp.py). The two ranks train with ddp.step(opt) (one machine:
# shared weights), then with the all-reduce (--all-reduce, the way across machines) and with it
# overlapping backward (--overlap). Per setting the best epoch over the rounds, the speed-ups of
# two processes over one, the time per step in the step or the all-reduce, the test accuracies and
# peak RSS per process.
#
# The one-process runs have one thread (the issue's comparison; BACKPROP_NUM_THREADS=1, and
# torch.set_num_threads(1) with OPENBLAS_NUM_THREADS=1 for the peer). The ranks get no setting:
# mpirun binds each of two ranks to one core, and Backprop's pool follows the binding. The peer's
# processes pin themselves likewise and get its best OpenBLAS kernels (bench/blas-env.sh).
#
# usage: bench/bench_w3_dist.sh [BUILD_DIR]       (needs python3-torch: tools/install-deps.sh --peers)
#   environment: ROUNDS (3), EPOCHS (3)
# The last lines, "RESULT ...", are what bench/plot_ratios.py reads.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-3}
THREADS=1 source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
[[ -x "$build/bench/bench_w3_dist" ]] || { echo "bench_w3_dist.sh: $build/bench/bench_w3_dist is not built (backprop::dist needs libopenmpi-dev)" >&2; exit 1; }
mpirun=(mpirun -np 2)
[[ $(id -u) == 0 ]] && mpirun+=(--allow-run-as-root)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
w3=(--hidden 1024,1024 --batch 256 --epochs "$epochs")
data=$here/data/mnist-10k
seconds() { sed -n "s/.*$1.*: \([0-9.]*\) s\/epoch.*/\1/p" "$2" | head -n 1; }
acc() { sed -n 's/.*test acc \([0-9.]*\).*/\1/p' "$1" | head -n 1; }
sync_ms() { sed -n 's/.*sync \([0-9.]*\) ms\/step.*/\1/p' "$1" | head -n 1; }
RANKS_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS -u BACKPROP_BLAS -u BACKPROP_NUM_THREADS)  # no setting at all
"${RANKS_ENV[@]}" "${mpirun[@]}" "$build/bench/bench_w3_dist" --epochs 1 --hidden 16 | head -n 1
for r in $(seq "$rounds"); do
  /usr/bin/time -f '%M' -o "$tmp/b1.rss" "${BACKPROP_ENV[@]}" "$build/bench/bench_w2" "${w3[@]}" > "$tmp/b1.out"
  /usr/bin/time -f '%M' -o "$tmp/b2.rss" "${RANKS_ENV[@]}" "${mpirun[@]}" "$build/bench/bench_w3_dist" "${w3[@]}" > "$tmp/b2.out"
  "${RANKS_ENV[@]}" "${mpirun[@]}" "$build/bench/bench_w3_dist" "${w3[@]}" --all-reduce > "$tmp/b2a.out"
  "${RANKS_ENV[@]}" "${mpirun[@]}" "$build/bench/bench_w3_dist" "${w3[@]}" --overlap > "$tmp/b2o.out"
  /usr/bin/time -f '%M' -o "$tmp/t1.rss" "${PEER_ENV[@]}" /usr/bin/python3 "$shared/bench/torch_mnist_mlp.py" "$data" "${w3[@]}" --threads 1 > "$tmp/t1.out"
  /usr/bin/time -f '%M' -o "$tmp/t2.rss" "${PEER_ENV[@]}" /usr/bin/python3 "$here/bench/w3_ddp.py" "$data" "${w3[@]}" --world 2 > "$tmp/t2.out"
  echo "$(seconds backprop "$tmp/b1.out") $(seconds backprop-dist "$tmp/b2.out") $(seconds backprop-dist "$tmp/b2o.out")" \
       "$(seconds torch "$tmp/t1.out") $(seconds torch-ddp "$tmp/t2.out") $(sync_ms "$tmp/b2.out") $(sync_ms "$tmp/b2o.out")" \
       "$(acc "$tmp/b1.out") $(acc "$tmp/b2.out") $(acc "$tmp/b2o.out") $(acc "$tmp/t1.out") $(acc "$tmp/t2.out")" \
       "$(cat "$tmp/b1.rss") $(cat "$tmp/b2.rss") $(cat "$tmp/t1.rss") $(cat "$tmp/t2.rss")" \
       "$(seconds backprop-dist "$tmp/b2a.out") $(sync_ms "$tmp/b2a.out")" | tee -a "$tmp/rows"
done
python3 - "$tmp/rows" "$epochs" <<'PY'
import sys
rows = [[float(v) for v in line.split()] for line in open(sys.argv[1])]
best = [min(r[i] for r in rows) for i in range(7)]
b1, b2, b2o, t1, t2, sync, synco = best[:5] + [rows[[r[1] for r in rows].index(best[1])][5],
                                                rows[[r[2] for r in rows].index(best[2])][6]]
acc = rows[0][7:12]
rss = [x / 1024 for x in rows[0][12:16]]
b2a = min(r[16] for r in rows)
synca = rows[[r[16] for r in rows].index(b2a)][17]
print(f"W3 (784-1024-1024-10, batch 256), {sys.argv[2]} epochs, best epoch over {len(rows)} rounds (s/epoch):")
print(f"  Backprop: 1 process 1 thread {b1:.4f}; 2 ranks {b2:.4f}: {b1 / b2:.2f}x (goal 1.7x), "
      f"in ddp.step() {sync:.2f} ms/step; 2 ranks, all-reduce with overlap {b2o:.4f}: {b1 / b2o:.2f}x, waiting {synco:.2f} ms/step")
print(f"  2 ranks, all-reduce (sync_gradients() then opt.step(), the way across machines) {b2a:.4f}: {b1 / b2a:.2f}x, "
      f"all-reduce {synca:.2f} ms/step")
print(f"  PyTorch:  1 process 1 thread {t1:.4f}; DDP gloo 2 processes {t2:.4f}: {t1 / t2:.2f}x")
print(f"  two processes, PyTorch DDP over Backprop: {t2 / min(b2, b2o):.2f}x")
print(f"  test acc: Backprop {acc[0]:.4f} / {acc[1]:.4f} / {acc[2]:.4f}, PyTorch {acc[3]:.4f} / {acc[4]:.4f}")
print(f"  peak RSS per process: Backprop {rss[0]:.1f} / {rss[1]:.1f} MiB, PyTorch {rss[2]:.1f} / {rss[3]:.1f} MiB")
print(f"RESULT W3-2-ranks-vs-1 threads=1 peer=Backprop-1-process peer_s={b1:.5f} backprop_s={b2:.5f} ratio={b1 / b2:.3f} "
      f"sync_ms={sync:.3f} overlap_s={b2o:.5f}")
print(f"RESULT W3-2-ranks threads=1 peer=PyTorch-DDP-gloo peer_s={t2:.5f} backprop_s={min(b2, b2o):.5f} "
      f"ratio={t2 / min(b2, b2o):.3f}")
PY
