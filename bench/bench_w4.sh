#!/usr/bin/env bash
# W4 beside PyTorch: the digits sigmoid MLP with RPROP (full batch) and SGD + momentum
# (mini-batches), examples/digits against bench/w4_torch.py, one thread each; the peer at its best
# OpenBLAS kernels, Backprop with no setting (bench/blas-env.sh). The RESULT lines are what
# bench/plot_ratios.py reads.
# usage: bench/bench_w4.sh [BUILD_DIR]     (needs python3-torch: tools/install-deps.sh --peers)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PEER_ENV[@]}" "${PYTHON:-/usr/bin/python3}" "$here/bench/w4_torch.py" "$here/data/digits.csv.gz" | tee "$tmp/torch.out"
"${BACKPROP_ENV[@]}" "$build/examples/digits" | grep '^W4' | tee "$tmp/bp.out"
python3 - "$tmp/torch.out" "$tmp/bp.out" <<'PY'
import re, sys
def ms(path, what):
    for line in open(path):
        if what in line:
            return float(re.search(r"\(([0-9.]+) ms/epoch\)", line).group(1))
    raise SystemExit(f"bench_w4: no '{what}' line in {path}")
for name, what in (("rprop", "rprop full batch"), ("sgd", "sgd+momentum batch 32")):
    torch, bp = ms(sys.argv[1], what), ms(sys.argv[2], what)
    print(f"W4 {name}: PyTorch {torch:.2f} ms/epoch, Backprop {bp:.2f} ms/epoch: {torch / bp:.2f}x")
    print(f"RESULT W4-{name} threads=1 peer=PyTorch peer_s={torch / 1e3:.6f} backprop_s={bp / 1e3:.6f} ratio={torch / bp:.3f}")
PY
