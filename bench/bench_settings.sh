#!/usr/bin/env bash
# Is the default the best? W2 (batch 16, 64, 256) and W3 (batch 256) on Backprop alone, under each
# setting a user could reach for, taken in turn within each round so that all see the same machine:
#   default                        no variable at all: what users get (as many threads as cores)
#   1 thread                       BACKPROP_NUM_THREADS=1
#   SkylakeX                       OPENBLAS_CORETYPE=SkylakeX (the small products that go to OpenBLAS)
#   openblas                       BACKPROP_BLAS=openblas, with OpenBLAS's own pick of kernels
#   openblas SkylakeX              ... and OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernels)
#   openblas SkylakeX 1 thread     ... on one thread
#   openblas Haswell               BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=Haswell (its AVX2 kernels)
# Settings for kernels the CPU lacks are left out. Per workload: the median over the rounds of each
# setting's best epoch; the default's time over the best setting's (issue 11's goal: at most 1.05);
# and one thread's over the default's (two threads must not be slower than one).
#
# usage: bench/bench_settings.sh [BUILD_DIR]     environment: ROUNDS (5), EPOCHS (3)
# The last lines, "SETTINGS ...", are one per workload.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
rounds=${ROUNDS:-5}
epochs=${EPOCHS:-3}
bench=$build/bench/bench_w2
[[ -x "$bench" ]] || { echo "bench_settings: $bench is not built" >&2; exit 1; }
base=(env -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS -u BACKPROP_BLAS -u BACKPROP_KERNELS -u BACKPROP_NUM_THREADS)
names=("default" "1 thread" "openblas")
envs=("" "BACKPROP_NUM_THREADS=1" "BACKPROP_BLAS=openblas")
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  names+=("SkylakeX" "openblas SkylakeX" "openblas SkylakeX 1 thread")
  envs+=("OPENBLAS_CORETYPE=SkylakeX" "BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=SkylakeX"
         "BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=SkylakeX BACKPROP_NUM_THREADS=1")
fi
if grep -qw avx2 /proc/cpuinfo; then
  names+=("openblas Haswell")
  envs+=("BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=Haswell")
fi
"${base[@]}" "$bench" --epochs 1 | head -n 1
workloads=("W2 batch 16|--batch 16" "W2 batch 64|--batch 64" "W2 batch 256|--batch 256" "W3 batch 256|--hidden 1024,1024 --batch 256")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for w in "${workloads[@]}"; do
  label=${w%%|*}
  read -r -a args <<< "${w#*|}"
  for r in $(seq "$rounds"); do
    for i in "${!names[@]}"; do
      read -r -a extra <<< "${envs[$i]}"
      s=$("${base[@]}" "${extra[@]}" "$bench" "${args[@]}" --epochs "$epochs" | sed -n 's/.*: \([0-9.]*\) s\/epoch.*/\1/p')
      printf '%s\t%s\t%s\n' "$label" "${names[$i]}" "$s" >> "$tmp"
    done
  done
done
python3 - "$tmp" "$rounds" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
rounds = sys.argv[2]
print(f"median over {rounds} rounds of each setting's best epoch (s/epoch):")
for workload in dict.fromkeys(r[0] for r in rows):
    times = {}
    for w, name, s in rows:
        if w == workload:
            times.setdefault(name, []).append(float(s))
    med = {name: statistics.median(v) for name, v in times.items()}
    best = min(med, key=med.get)
    print(f"  {workload}: " + ", ".join(f"{n} {t:.4f}" for n, t in med.items()))
    print(f"SETTINGS {workload.replace(' ', '_')} default_s={med['default']:.5f} best={best.replace(' ', '_')} "
          f"best_s={med[best]:.5f} default_over_best={med['default'] / med[best]:.3f} "
          f"one_thread_over_default={med['1 thread'] / med['default']:.3f}")
PY
