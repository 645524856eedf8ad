#!/usr/bin/env bash
# Installs, with apt-get, whichever of Backprop's build dependencies are missing (Debian 12).
# Run as root, or as a user with sudo. Installs nothing when everything is present.
#   tools/install-deps.sh            the build, test and Graphviz packages
#   tools/install-deps.sh --peers    also PyTorch, scikit-learn and LibTorch, for the benchmarks
#                                    and the scripts that regenerate test fixtures
#   tools/install-deps.sh --ci       also what CI adds to the tests: Chromium and its WebDriver (the
#                                    browser test of explain's page, skipped without them) and clang
#                                    with libFuzzer (the fuzzing harnesses)
set -euo pipefail

packages=(g++ cmake make pkg-config libfmt-dev libboost-test-dev libopenblas-dev libdnnl-dev libcli11-dev
          nlohmann-json3-dev zlib1g-dev graphviz libgraphviz-dev python3
          python3-numpy   # NumPy: the independent safetensors reader of test_safetensors
          libopenmpi-dev openmpi-bin)  # backprop::dist (data parallelism) and its tests under mpirun
if [[ "${1:-}" == "--peers" ]]; then
  packages+=(python3-torch python3-sklearn libtorch-dev time)
elif [[ "${1:-}" == "--ci" ]]; then
  packages+=(chromium chromium-driver clang libclang-rt-14-dev)
elif [[ -n "${1:-}" ]]; then
  echo "install-deps: unknown option '$1' (use --peers or --ci)" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
