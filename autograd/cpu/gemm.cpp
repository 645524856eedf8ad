// The one place that decides which library runs a product (autograd/matmul_backend.hpp), and how a
// large product is split across Backprop's thread pool.
#include "autograd/cpu/gemm.hpp"
#include "autograd/cpu/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

namespace autograd {
namespace {

#if BACKPROP_HAVE_ONEDNN
constexpr MatmulBackend kBuildDefault = MatmulBackend::OneDNN;
#else
constexpr MatmulBackend kBuildDefault = MatmulBackend::OpenBLAS;
#endif

bool available(MatmulBackend backend)
{
    return backend == MatmulBackend::OpenBLAS || (BACKPROP_HAVE_ONEDNN && backend == MatmulBackend::OneDNN);
}

// The backend chosen by BACKPROP_BLAS, or the build's default; read once. A bad value throws from
// every product until it is fixed or set_matmul_backend() overrides it: a typo must not quietly
// benchmark the wrong library.
MatmulBackend from_environment()
{
    static const std::string env = [] {
        const char* v = std::getenv("BACKPROP_BLAS");
        return std::string(v != nullptr ? v : "");
    }();
    if (env.empty())
        return kBuildDefault;
    MatmulBackend backend{};
    try {
        backend = parse_matmul_backend(env);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("BACKPROP_BLAS: {}", e.what()));
    }
    if (!available(backend))
        throw std::invalid_argument(fmt::format("BACKPROP_BLAS={}: this build has no {} (configured with "
                                                "-DBACKPROP_BLAS=openblas); unset it or use openblas",
                                                env, to_string(backend)));
    return backend;
}

constexpr int kUnset = -1;
std::atomic<int> g_selected{kUnset}; // set_matmul_backend's choice, for every thread

} // namespace

std::string_view to_string(MatmulBackend backend)
{
    return backend == MatmulBackend::OneDNN ? "onednn" : "openblas";
}

MatmulBackend parse_matmul_backend(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "onednn")
        return MatmulBackend::OneDNN;
    if (lower == "openblas")
        return MatmulBackend::OpenBLAS;
    throw std::invalid_argument(fmt::format("unknown matrix-product backend '{}' (want onednn or openblas)", name));
}

std::vector<MatmulBackend> available_matmul_backends()
{
    std::vector<MatmulBackend> list{kBuildDefault};
    for (MatmulBackend b : {MatmulBackend::OneDNN, MatmulBackend::OpenBLAS})
        if (b != kBuildDefault && available(b))
            list.push_back(b);
    return list;
}

MatmulBackend matmul_backend()
{
    const int selected = g_selected.load(std::memory_order_relaxed);
    return selected != kUnset ? static_cast<MatmulBackend>(selected) : from_environment();
}

void set_matmul_backend(MatmulBackend backend)
{
    if (!available(backend))
        throw std::invalid_argument(fmt::format("set_matmul_backend: this build has no {} (configured with "
                                                "-DBACKPROP_BLAS=openblas)", to_string(backend)));
    g_selected.store(static_cast<int>(backend), std::memory_order_relaxed);
}

MatmulBackendInfo matmul_backend_info()
{
    MatmulBackendInfo info;
#if BACKPROP_HAVE_ONEDNN
    info = matmul_backend() == MatmulBackend::OneDNN ? detail::onednn_info() : detail::openblas_info();
#else
    info = detail::openblas_info();
#endif
    info.threads = detail::max_threads();
    return info;
}

std::string describe_matmul_backend()
{
    const MatmulBackendInfo info = matmul_backend_info();
    return fmt::format("{} {} ({} kernels), {} thread{}", info.name, info.version, info.kernels, info.threads,
                       info.threads == 1 ? "" : "s");
}

namespace detail {
namespace {

// Multiply-adds per thread below which a product stays on the calling thread. A split product
// costs more than waking the pool (10-20 us on these virtual machines): each core ends up holding
// half of the output, and the ops after it that run on one thread (the loss, the batch's
// assembly, small elementwise ops) fetch that half from the other core's cache. Measured on W2 at
// batch 256, whose two large products are 25.7M multiply-adds: split at 4M a thread, two threads
// took 0.0237 s an epoch against one thread's 0.0222; kept whole (16M), 0.0210. W3's products
// (205M-268M) still split, and two threads run it 1.6x faster than one (docs/benchmarks.md).
constexpr std::int64_t kGemmGrain = std::int64_t{1} << 24;
// Blocks split the output along its longer side at multiples of 16 columns (one AVX-512 vector
// of floats) or 4 rows, so each thread's block starts aligned and the kernels' edges are few.
constexpr std::int64_t kColumnAlign = 16, kRowAlign = 4;

// Products below this many multiply-adds cost oneDNN more in its dispatch than in its kernels
// (W1t's eight products of [100, 16]-sized matrices: 2.2 us of dispatch around 1.9 us of kernels
// a step). On the oneDNN backend they run on OpenBLAS instead, where its kernels fit the CPU:
// the step's products took 2.2 us there against 4.2 (docs/benchmarks.md).
#if BACKPROP_HAVE_ONEDNN
constexpr std::int64_t kTinyWork = std::int64_t{1} << 15;

// oneDNN 2.6's JIT kernels address their operands with 32-bit displacements: a product with an
// operand of 2 GiB or more jumped outside it and crashed (train --layers 4,100000000,3: the first
// layer's [32, 1e8] output). OpenBLAS indexes with 64-bit offsets, so such products go there.
// The span counts whole leading dimensions: a thread's block of a wide C is small but strided.
template <class T> bool operand_over_2gib(const Gemm<T>& g)
{
    constexpr std::int64_t kLimit = (std::int64_t{1} << 31) / static_cast<std::int64_t>(sizeof(T));
    return (g.ta ? g.k : g.m) * g.lda >= kLimit || (g.tb ? g.n : g.k) * g.ldb >= kLimit || g.m * g.ldc >= kLimit;
}
#endif

template <class T> void run_on_this_thread(const Gemm<T>& g)
{
    if constexpr (std::is_same_v<T, float>) {
#if BACKPROP_HAVE_ONEDNN
        if (matmul_backend() == MatmulBackend::OneDNN) {
            if ((g.m * g.n * g.k <= kTinyWork && openblas_kernels_fit_cpu()) || operand_over_2gib(g))
                return openblas_gemm(g);
            return onednn_gemm(g);
        }
#endif
        return openblas_gemm(g);
    } else {
        return openblas_gemm(g); // oneDNN has no float64 matmul on CPUs
    }
}

// The block of the output from row r0 (or column c0) on: the same product on a slice of A (or B).
template <class T> Gemm<T> rows_of(Gemm<T> g, std::int64_t r0, std::int64_t r1)
{
    g.a += g.ta ? r0 : r0 * g.lda;
    g.c += r0 * g.ldc;
    g.m = r1 - r0;
    return g;
}
template <class T> Gemm<T> columns_of(Gemm<T> g, std::int64_t c0, std::int64_t c1)
{
    g.b += g.tb ? c0 * g.ldb : c0;
    g.c += c0;
    if (g.bias != nullptr)
        g.bias += c0;
    g.n = c1 - c0;
    return g;
}

} // namespace

template <class T> void gemm(const Gemm<T>& g)
{
    if (g.m <= 0 || g.n <= 0)
        return;
    // Work decides the threads; each gets one block of the output, split along the longer side.
    const std::int64_t work = g.m * g.n * std::max<std::int64_t>(g.k, 1);
    const bool by_columns = g.n >= g.m;
    const std::int64_t extent = by_columns ? g.n : g.m, align = by_columns ? kColumnAlign : kRowAlign;
    const std::int64_t threads = std::min<std::int64_t>({max_threads(), work / kGemmGrain, extent / align});
    // A bad BACKPROP_BLAS throws here, on the caller's thread, whatever the size of the product
    // and the build (an OpenBLAS-only build has no other place that reads it).
    (void)matmul_backend();
    if (threads < 2)
        return run_on_this_thread(g);
    // Block boundaries at multiples of align; the last block takes the rest.
    const auto boundary = [&](std::int64_t i) {
        return i == threads ? extent : (extent * i / threads) / align * align;
    };
    std::exception_ptr failure; // parallel_for's body may not throw: the first error is rethrown here
    std::atomic<bool> failed{false};
    parallel_for(threads, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            const std::int64_t lo = boundary(i), hi = boundary(i + 1);
            try {
                run_on_this_thread(by_columns ? columns_of(g, lo, hi) : rows_of(g, lo, hi));
            } catch (...) {
                if (!failed.exchange(true))
                    failure = std::current_exception();
            }
        }
    });
    if (failure)
        std::rethrow_exception(failure);
}

template void gemm<float>(const Gemm<float>&);
template void gemm<double>(const Gemm<double>&);

} // namespace detail
} // namespace autograd
