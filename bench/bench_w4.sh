#!/usr/bin/env bash
# W4 beside PyTorch: the digits sigmoid MLP with RPROP (full batch) and SGD + momentum
# (mini-batches), examples/digits against bench/w4_torch.py, one thread each.
# usage: bench/bench_w4.sh [BUILD_DIR]     (needs python3-torch: tools/install-deps.sh --peers)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
source "$here/bench/blas-env.sh" "$build/bench/bench_gemm_floor"
"${PEER_ENV[@]}" "${PYTHON:-/usr/bin/python3}" "$here/bench/w4_torch.py" "$here/data/digits.csv.gz"
"${BACKPROP_ENV[@]}" "$build/examples/digits" | grep '^W4'
