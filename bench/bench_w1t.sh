#!/usr/bin/env bash
# W1t beside LibTorch: microseconds per step of each, their ratio, and peak memory.
#
# The two programs run in turn, ROUNDS times (default 5), so that both see the same machine;
# each round's ratio is printed, then the median ratio and each side's best round. (This
# machine's speed drifts by up to 1.6x between minutes; a single pair of runs can mislead.)
#
# usage: bench/bench_w1t.sh [BUILD_DIR]
#   needs libtorch-dev (tools/install-deps.sh --peers) and GNU time; builds
#   ../shared/bench/libtorch into a scratch folder (set SHARED to move it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
rounds=${ROUNDS:-5}
source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
source "$here/bench/libtorch-peer.sh"
libtorch_peer libtorch_moons
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  /usr/bin/time -f '%M' -o "$tmp/lt.rss" "${PEER_ENV[@]}" "$lt/libtorch_moons" 2000 > "$tmp/lt.out"
  /usr/bin/time -f '%M' -o "$tmp/bp.rss" "${BACKPROP_ENV[@]}" "$build/bench/bench_w1t" --steps 2000 > "$tmp/bp.out"
  [[ $r == 1 ]] && cat "$tmp/lt.out" "$tmp/bp.out"
  lt_us=$(sed -n 's/.*: \([0-9.]*\) us\/step.*/\1/p' "$tmp/lt.out")
  bp_us=$(sed -n 's/.*: \([0-9.]*\) us\/step.*/\1/p' "$tmp/bp.out" | head -n 1)
  echo "$lt_us $bp_us $(cat "$tmp/lt.rss") $(cat "$tmp/bp.rss")" >> "$tmp/rounds"
done
python3 - "$tmp/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
for i, (lt, bp, _, _) in enumerate(rows, 1):
    print(f"round {i}: LibTorch {lt:.1f} us/step, Backprop {bp:.1f} us/step: {lt / bp:.1f}x")
lt_best, bp_best = min(r[0] for r in rows), min(r[1] for r in rows)
ratio = statistics.median(r[0] / r[1] for r in rows)
print(f"RESULT W1t threads=1 peer=LibTorch peer_s={lt_best * 1e-6:.8f} backprop_s={bp_best * 1e-6:.8f} ratio={ratio:.3f}")
print(f"W1t: median ratio {ratio:.1f}x (lowest round {min(r[0] / r[1] for r in rows):.1f}x); best rounds LibTorch {lt_best:.1f} us/step, Backprop {bp_best:.1f} us/step "
      f"({lt_best / bp_best:.1f}x); peak RSS LibTorch {max(r[2] for r in rows) / 1024:.1f} MiB, "
      f"Backprop {max(r[3] for r in rows) / 1024:.1f} MiB")
PY
