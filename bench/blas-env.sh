# Sourced by the benchmark scripts: the same OpenBLAS settings for Backprop and its peers.
#
# Threads: one BLAS thread each (docs/benchmarks.md: the same thread count on both sides), unless
# OPENBLAS_NUM_THREADS is set already, and as many for Backprop's own loops over large tensors
# (its pool would otherwise take every core; the peers' programs are given the same count).
#
# Kernels: Debian 12's OpenBLAS 0.3.21 does not know CPUs newer than itself (Intel's Emerald
# Rapids, for one) and falls back to its generic "Prescott" kernels, 4-5x slower. LibTorch uses
# the same library, so both sides would be slowed alike, but the comparison would be of code
# that nobody runs on purpose. When OpenBLAS reports a pre-AVX2 core on a CPU with AVX2,
# OPENBLAS_CORETYPE names the right one, for both sides.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export BACKPROP_NUM_THREADS=${BACKPROP_NUM_THREADS:-$OPENBLAS_NUM_THREADS}
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && grep -qw avx2 /proc/cpuinfo; then
  probe=${1:?blas-env.sh: give a program linked with OpenBLAS}
  if [[ ! -x "$probe" ]]; then
    echo "blas-env.sh: $probe is not built (it is asked which kernels OpenBLAS picks)" >&2
    exit 1
  fi
  core=$(OPENBLAS_VERBOSE=2 "$probe" --help 2>&1 < /dev/null | sed -n 's/^Core: //p' | head -n 1 || true)
  case "$core" in
    Prescott|Core2|Penryn|Dunnington|Nehalem|Atom|Sandybridge|Unknown)
      if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; else export OPENBLAS_CORETYPE=Haswell; fi
      echo "OpenBLAS picked its generic '$core' kernels for this CPU: running both sides with OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" ;;
  esac
fi
