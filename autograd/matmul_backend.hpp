// Which library runs the matrix products (matmul, linear, and the products of their backward), how
// many threads they use, and how to ask.
//
// oneDNN is the default. It picks its kernels from the CPU's features when it runs, so a CPU newer
// than the library still gets its AVX-512 or AVX2 kernels. Debian 12's OpenBLAS 0.3.21 picks them
// from a list of CPU models instead, and on a model newer than the list it falls back to kernels
// several times slower unless OPENBLAS_CORETYPE is set. OpenBLAS stays selectable, for comparison
// and for machines without oneDNN:
//   - when configuring: cmake -DBACKPROP_BLAS=openblas (builds without oneDNN);
//   - when running: BACKPROP_BLAS=openblas in the environment, or set_matmul_backend().
// float64 products always run on OpenBLAS: oneDNN has no float64 matmul on CPUs.
//
// Threads: BACKPROP_NUM_THREADS (default: the cores the process may run on) is the one setting. Backprop's own
// pool splits a large product into blocks of the output and each thread runs the library on its
// block single-threaded, so the library never starts threads of its own beside the pool.
//
//   std::cout << autograd::describe_matmul_backend() << '\n';
//   // oneDNN 2.6.3 (avx512_core kernels), 2 threads
//   autograd::set_matmul_backend(autograd::MatmulBackend::OpenBLAS);   // from now on, every thread
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

enum class MatmulBackend : std::uint8_t { OneDNN, OpenBLAS };

struct MatmulBackendInfo {
    MatmulBackend backend = MatmulBackend::OpenBLAS;
    std::string name;    // "oneDNN"
    std::string version; // "2.6.3"
    std::string kernels; // the kernel family the library uses on this CPU: "avx512_core", "Haswell"
    int threads = 1;     // threads a large product is split over (BACKPROP_NUM_THREADS)
};

/// "onednn" or "openblas": the spelling BACKPROP_BLAS and -DBACKPROP_BLAS take.
std::string_view to_string(MatmulBackend backend);
/// The backend a name spells ("onednn", "openblas", any case); throws std::invalid_argument naming
/// the value and the choices.
MatmulBackend parse_matmul_backend(std::string_view name);
/// The backends this build has, the default first.
std::vector<MatmulBackend> available_matmul_backends();

/// The backend that runs float32 products now: the one set last, else BACKPROP_BLAS, else the
/// build's default. A BACKPROP_BLAS this build cannot honour makes the first product throw.
MatmulBackend matmul_backend();
/// Selects the backend for every thread; throws std::invalid_argument if the build lacks it.
void set_matmul_backend(MatmulBackend backend);

/// What runs the products, for a --version line and benchmark output.
MatmulBackendInfo matmul_backend_info();
/// matmul_backend_info() in one line: "oneDNN 2.6.3 (avx512_core kernels), 2 threads".
std::string describe_matmul_backend();

} // namespace autograd
