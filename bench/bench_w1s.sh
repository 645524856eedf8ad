#!/usr/bin/env bash
# W1s beside micrograd in one run: seconds per step of each, their ratio, and peak memory.
#
# usage: bench/bench_w1s.sh MICROGRAD_DIR [BUILD_DIR]
#   MICROGRAD_DIR holds the micrograd package (a checkout of karpathy/micrograd);
#   needs python3-sklearn (tools/install-deps.sh --peers) and GNU time.
# The micrograd side runs ../shared/bench/micrograd_moons.py (set SHARED to move it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
micrograd=${1:?usage: bench/bench_w1s.sh MICROGRAD_DIR [BUILD_DIR]}
build=${2:-$here/build}
shared=${SHARED:-$here/../shared}
export OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/time -f '%M' -o "$tmp/mg.rss" /usr/bin/python3 "$shared/bench/micrograd_moons.py" "$micrograd" --steps 5 > "$tmp/mg.out"
/usr/bin/time -f '%M' -o "$tmp/bp.rss" "$build/bench/bench_w1s" --steps 1000 > "$tmp/bp.out"

cat "$tmp/mg.out" "$tmp/bp.out"
mg_ms=$(sed -n 's/.*: \([0-9.]*\) ms\/step.*/\1/p' "$tmp/mg.out")
bp_ms=$(sed -n 's/.*: \([0-9.]*\) ms\/step.*/\1/p' "$tmp/bp.out" | head -n 1)
python3 - "$mg_ms" "$bp_ms" "$(cat "$tmp/mg.rss")" "$(cat "$tmp/bp.rss")" <<'PY'
import sys
mg, bp, mg_kb, bp_kb = map(float, sys.argv[1:])
print(f"W1s: micrograd {mg:.1f} ms/step, Backprop {bp:.3f} ms/step: {mg / bp:.0f}x faster; "
      f"peak RSS micrograd {mg_kb / 1024:.1f} MiB, Backprop {bp_kb / 1024:.1f} MiB")
PY
