# Sourced by the benchmark scripts: threads for both sides, and the peers' best OpenBLAS kernels.
#
# Threads: THREADS (default 1) for each side: OPENBLAS_NUM_THREADS for the peers (Debian's PyTorch
# and LibTorch thread their products through OpenBLAS) and BACKPROP_NUM_THREADS for Backprop.
#
# Kernels: the peers run on Debian 12's OpenBLAS 0.3.21, which picks its kernels from a list of CPU
# models. On a model newer than the list it falls back to older kernels: the generic SSE3 ones on
# Intel's Emerald Rapids, the AVX2 "Haswell" ones on AMD's Zen 5, both with AVX-512. The peers are
# given their best setting (benchmarks compare against a peer at its best): OPENBLAS_CORETYPE=SkylakeX
# (AVX-512) where the CPU has AVX-512 and OpenBLAS picked a core without it (measured on Zen 5:
# 1.6x faster than the "Haswell" it picks), Haswell where it picked a pre-AVX2 core on an AVX2 CPU.
# PEER_OPENBLAS_CORETYPE overrides the choice; an OPENBLAS_CORETYPE inherited from the environment
# is not the peer's best by itself, so it is ignored.
#
# Backprop runs with none of these: its default is what users get.
#
# After sourcing: PEER_ENV (the env arguments for a peer) and BACKPROP_ENV (for Backprop).
threads=${THREADS:-1}
OPENBLAS_CORETYPE=${PEER_OPENBLAS_CORETYPE:-}
if [[ -z "$OPENBLAS_CORETYPE" ]]; then
  probe=${1:?blas-env.sh: give a program linked with OpenBLAS}
  if [[ ! -x "$probe" ]]; then
    echo "blas-env.sh: $probe is not built (it is asked which kernels OpenBLAS picks)" >&2
    exit 1
  fi
  core=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 "$probe" --help 2>&1 < /dev/null | sed -n 's/^Core: //p' | head -n 1 || true)
  case "$core" in
    SkylakeX|Cooperlake|SapphireRapids) ;;
    *)
      if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
        OPENBLAS_CORETYPE=SkylakeX
      elif grep -qw avx2 /proc/cpuinfo; then
        case "$core" in Prescott|Core2|Penryn|Dunnington|Nehalem|Atom|Sandybridge|Unknown) OPENBLAS_CORETYPE=Haswell ;; esac
      fi ;;
  esac
  [[ -n "${OPENBLAS_CORETYPE:-}" ]] &&
    echo "OpenBLAS picks its '$core' kernels on this CPU: the peers run with OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE, Backprop with no setting"
fi
PEER_ENV=(env OPENBLAS_NUM_THREADS="$threads" ${OPENBLAS_CORETYPE:+OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})
BACKPROP_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS -u BACKPROP_BLAS BACKPROP_NUM_THREADS="$threads")
unset OPENBLAS_CORETYPE
