# Sourced by the bench scripts that run a LibTorch peer of ../shared/bench/libtorch:
#   source "$here/bench/libtorch-peer.sh"     (after setting $shared)
#   libtorch_peer libtorch_mnist_cnn          builds that peer once into $lt (LIBTORCH_BUILD, or a
#                                             scratch folder), where the script then runs it
#   seconds 'backprop' FILE                   the "N s/epoch" figure of the first line matching
lt=${LIBTORCH_BUILD:-/tmp/backprop-libtorch-bench}
libtorch_peer() {
  if [[ ! -x "$lt/$1" ]]; then
    cmake -S "$shared/bench/libtorch" -B "$lt" -DCMAKE_BUILD_TYPE=Release > /dev/null
    cmake --build "$lt" -j2 --target "$1" > /dev/null
  fi
}
seconds() { sed -n "s/.*$1.*: \([0-9.]*\) s\/epoch.*/\1/p" "$2" | head -n 1; }
