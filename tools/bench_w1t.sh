#!/usr/bin/env bash
# W1t beside LibTorch in one run: microseconds per step of each, their ratio, and peak memory.
#
# usage: tools/bench_w1t.sh [BUILD_DIR]
#   needs libtorch-dev (tools/install-deps.sh --peers) and GNU time; builds
#   ../shared/bench/libtorch into a scratch folder (set SHARED to move it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shared=${SHARED:-$here/../shared}
export OPENBLAS_NUM_THREADS=1
lt=${LIBTORCH_BUILD:-/tmp/backprop-libtorch-bench}
if [[ ! -x "$lt/libtorch_moons" ]]; then
  cmake -S "$shared/bench/libtorch" -B "$lt" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$lt" -j2 --target libtorch_moons > /dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/time -f '%M' -o "$tmp/lt.rss" "$lt/libtorch_moons" 2000 > "$tmp/lt.out"
/usr/bin/time -f '%M' -o "$tmp/bp.rss" "$build/tools/bench_w1t" --steps 2000 > "$tmp/bp.out"
cat "$tmp/lt.out" "$tmp/bp.out"
lt_us=$(sed -n 's/.*: \([0-9.]*\) us\/step.*/\1/p' "$tmp/lt.out")
bp_us=$(sed -n 's/.*: \([0-9.]*\) us\/step.*/\1/p' "$tmp/bp.out" | head -n 1)
python3 - "$lt_us" "$bp_us" "$(cat "$tmp/lt.rss")" "$(cat "$tmp/bp.rss")" <<'PY'
import sys
lt, bp, lt_kb, bp_kb = map(float, sys.argv[1:])
print(f"W1t: LibTorch {lt:.1f} us/step, Backprop {bp:.1f} us/step: {lt / bp:.1f}x faster; "
      f"peak RSS LibTorch {lt_kb / 1024:.1f} MiB, Backprop {bp_kb / 1024:.1f} MiB")
PY
