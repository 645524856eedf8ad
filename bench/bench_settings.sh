#!/usr/bin/env bash
# Is the default the best? W2 (batch 16, 64, 256) and W3 (batch 256) on Backprop alone, under each
# setting a user could reach for, taken in turn within each round so that all see the same machine:
#   default                     no variable at all (what users get)
#   default + SkylakeX          OPENBLAS_CORETYPE=SkylakeX (the small products that go to OpenBLAS)
#   openblas                    BACKPROP_BLAS=openblas, OpenBLAS's own pick of kernels
#   openblas + SkylakeX         BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernels)
#   openblas + Haswell          BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=Haswell (its AVX2 kernels)
# Settings for kernels the CPU lacks are skipped. Per workload: the median over the rounds of each
# setting's best epoch, and the default's time over the best setting's (goal: at most 1.05).
#
# usage: bench/bench_settings.sh [BUILD_DIR]     environment: ROUNDS (5), THREADS (1), EPOCHS (3)
# The last lines, "SETTINGS ...", are one per workload.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
rounds=${ROUNDS:-5}
threads=${THREADS:-1}
epochs=${EPOCHS:-3}
bench=$build/bench/bench_w2
[[ -x "$bench" ]] || { echo "bench_settings: $bench is not built" >&2; exit 1; }
base=(env -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS -u BACKPROP_BLAS -u BACKPROP_KERNELS BACKPROP_NUM_THREADS="$threads")
names=("default" "openblas")
envs=("" "BACKPROP_BLAS=openblas")
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  names+=("default + SkylakeX" "openblas + SkylakeX")
  envs+=("OPENBLAS_CORETYPE=SkylakeX" "BACKPROP_BLAS=openblas OPENBLAS_CORETYPE=SkylakeX")
fi
if grep -qw avx2 /proc/cpuinfo; then
  names+=("openblas + Haswell")
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
python3 - "$tmp" "$rounds" "$threads" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
rounds, threads = sys.argv[2], sys.argv[3]
print(f"median over {rounds} rounds of each setting's best epoch (s/epoch), {threads} thread(s):")
for workload in dict.fromkeys(r[0] for r in rows):
    times = {}
    for w, name, s in rows:
        if w == workload:
            times.setdefault(name, []).append(float(s))
    med = {name: statistics.median(v) for name, v in times.items()}
    best = min(med, key=med.get)
    print(f"  {workload}: " + ", ".join(f"{n} {t:.4f}" for n, t in med.items()))
    print(f"SETTINGS {workload.replace(' ', '_')} threads={threads} default_s={med['default']:.5f} "
          f"best={best.replace(' ', '')} best_s={med[best]:.5f} default_over_best={med['default'] / med[best]:.3f}")
PY
