// The OpenBLAS backend: CBLAS sgemm/dgemm on the calling thread, and the epilogue as a second pass
// (CBLAS cannot fuse one). Every float64 product runs here, and float32 ones when OpenBLAS is the
// selected backend (autograd/matmul_backend.hpp).
//
// OpenBLAS is loaded when first needed (dlopen), not linked. Linked, it starts its thread pool as
// the program loads, before main: the threads only idle (Backprop splits products itself), but a
// process with a second thread makes every shared_ptr count atomic, which measured 1.5 us of W1t's
// 13 us step. A program that runs only float32 products on oneDNN now never loads OpenBLAS.
#include "autograd/cpu/gemm.hpp"
#include "autograd/cpu/simd.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <cblas.h> // the types and enums only: the functions are looked up in the loaded library
#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace autograd::detail {
namespace {

// The functions of OpenBLAS that Backprop calls, from the library loaded on first use.
struct OpenBlas {
    decltype(&cblas_sgemm) sgemm = nullptr;
    decltype(&cblas_dgemm) dgemm = nullptr;
    decltype(&openblas_set_num_threads) set_num_threads = nullptr;
    decltype(&openblas_get_config) get_config = nullptr;
    decltype(&openblas_get_corename) get_corename = nullptr;
};

const OpenBlas& openblas()
{
    static const OpenBlas lib = [] {
        // OpenBLAS sizes its pool from OPENBLAS_NUM_THREADS as it loads; one thread, as Backprop's
        // pool does the splitting. A value the user set is left alone (the pool is told to use
        // one thread below either way).
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
        void* handle = nullptr;
        for (const char* name : {"libopenblas.so.0", "libopenblas.so"})
            if ((handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr)
                break;
        if (handle == nullptr)
            throw std::runtime_error(fmt::format("matmul: OpenBLAS could not be loaded ({}); float64 products and the "
                                                 "OpenBLAS backend need it: apt-get install libopenblas0",
                                                 dlerror()));
        OpenBlas f;
        const auto find = [&]<class Fn>(Fn& fn, const char* symbol) {
            fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
            if (fn == nullptr)
                throw std::runtime_error(fmt::format("matmul: the OpenBLAS loaded has no {}", symbol));
        };
        find(f.sgemm, "cblas_sgemm");
        find(f.dgemm, "cblas_dgemm");
        find(f.set_num_threads, "openblas_set_num_threads");
        find(f.get_config, "openblas_get_config");
        find(f.get_corename, "openblas_get_corename");
        f.set_num_threads(1);
        return f; // the library stays loaded for the life of the process
    }();
    return lib;
}

// OpenBLAS picks its kernels from the CPU model it reads when it is loaded. A CPU newer than the
// library (Debian 12's OpenBLAS 0.3.21 on Intel's Emerald Rapids, for one) gets kernels older than
// AVX2, the generic "Prescott" ones: 32 GFLOP/s where the AVX-512 ones give 149 on the same core.
// Nothing can change the choice once the library is loaded, so the first float32 product on this
// backend says so, once, with the settings that fix it; unless OPENBLAS_CORETYPE is set, which is
// one of them (a user who chose an old core on purpose, or silences this, has it set). float64
// products, which run here whatever the backend, do not warn: they are for gradient checks.
constexpr std::array<std::string_view, 8> kPreAvx2 = {"Prescott", "Core2", "Penryn",      "Dunnington",
                                                      "Nehalem",  "Atom",  "Sandybridge", "Unknown"};
constexpr std::array<std::string_view, 3> kAvx512 = {"SkylakeX", "Cooperlake", "SapphireRapids"};

std::string_view core_name()
{
    const char* name = openblas().get_corename();
    return name != nullptr ? name : "";
}

void warn_if_kernels_predate_cpu()
{
    static const bool checked = [] {
        if (std::getenv("OPENBLAS_CORETYPE") != nullptr)
            return true;
        const std::string_view core = core_name();
        const char* name = core.data();
        const bool old = std::find(kPreAvx2.begin(), kPreAvx2.end(), core) != kPreAvx2.end();
        if (old && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            std::fprintf(stderr,
                         "backprop: OpenBLAS runs its pre-AVX2 '%s' kernels on this CPU, which has AVX2%s, so matrix "
                         "products are several times slower than they could be. Use the oneDNN backend (unset "
                         "BACKPROP_BLAS), or start the program with OPENBLAS_CORETYPE=%s set.\n",
                         name, __builtin_cpu_supports("avx512f") ? " and AVX-512" : "",
                         __builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell");
        return true;
    }();
    (void)checked;
}

} // namespace

bool openblas_kernels_fit_cpu()
{
    static const bool fit = [] {
        std::string_view core;
        try {
            core = core_name();
        } catch (const std::runtime_error&) { // no OpenBLAS to load: then not for this either
            return false;
        }
        if (__builtin_cpu_supports("avx512f"))
            return std::find(kAvx512.begin(), kAvx512.end(), core) != kAvx512.end();
        if (__builtin_cpu_supports("avx2"))
            return std::find(kPreAvx2.begin(), kPreAvx2.end(), core) == kPreAvx2.end();
        return true;
    }();
    return fit;
}

namespace {

template <class T> void run(const Gemm<T>& g)
{
    const OpenBlas& lib = openblas();
    const CBLAS_TRANSPOSE ta = g.ta ? CblasTrans : CblasNoTrans, tb = g.tb ? CblasTrans : CblasNoTrans;
    const auto M = static_cast<blasint>(g.m), N = static_cast<blasint>(g.n), K = static_cast<blasint>(g.k);
    const auto lda = static_cast<blasint>(g.lda), ldb = static_cast<blasint>(g.ldb), ldc = static_cast<blasint>(g.ldc);
    // C is set first (the bias, or zeros) and the product added with beta = 1: OpenBLAS's
    // beta = 0 path clears C one column at a time, which costs more than the product itself for
    // the small matrices of a small MLP.
    for (std::int64_t r = 0; r < g.m; ++r) {
        T* row = g.c + r * g.ldc;
        if (g.bias != nullptr)
            for (std::int64_t j = 0; j < g.n; ++j) // an inline loop: rows are short, a memcpy call each costs more
                row[j] = g.bias[j];
        else
            std::fill(row, row + g.n, T(0));
    }
    if (g.k > 0) {
        if constexpr (std::is_same_v<T, float>)
            lib.sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, g.a, lda, g.b, ldb, 1.0f, g.c, ldc);
        else
            lib.dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, g.a, lda, g.b, ldb, 1.0, g.c, ldc);
    }
    apply_epilogue<T>(g.m, g.n, g.c, g.ldc, nullptr, g.act);
}

} // namespace

template <class T>
void apply_epilogue(std::int64_t m, std::int64_t n, T* c, std::int64_t ldc, const T* bias, Epilogue act)
{
    if (bias == nullptr && act == Epilogue::None)
        return;
    run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
        for (std::int64_t r = 0; r < m; ++r) {
            T* row = c + r * ldc;
            if (bias != nullptr)
                for (std::int64_t j = 0; j < n; ++j)
                    row[j] += bias[j];
            switch (act) {
            case Epilogue::None: break;
            case Epilogue::Relu:
                for (std::int64_t j = 0; j < n; ++j)
                    row[j] = row[j] < T(0) ? T(0) : row[j];
                break;
            case Epilogue::Sigmoid:
                for (std::int64_t j = 0; j < n; ++j)
                    row[j] = sigmoid_of(row[j]);
                break;
            case Epilogue::Tanh:
                for (std::int64_t j = 0; j < n; ++j)
                    row[j] = tanh_of(row[j]);
                break;
            }
        }
    });
}

template void apply_epilogue<float>(std::int64_t, std::int64_t, float*, std::int64_t, const float*, Epilogue);
template void apply_epilogue<double>(std::int64_t, std::int64_t, double*, std::int64_t, const double*, Epilogue);

void openblas_gemm(const Gemm<float>& g)
{
    warn_if_kernels_predate_cpu();
    run(g);
}

void openblas_gemm(const Gemm<double>& g) { run(g); }

MatmulBackendInfo openblas_info()
{
    MatmulBackendInfo info;
    info.backend = MatmulBackend::OpenBLAS;
    info.name = "OpenBLAS";
    // openblas_get_config() reads "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
    const std::string_view config = openblas().get_config();
    constexpr std::string_view prefix = "OpenBLAS ";
    if (config.starts_with(prefix)) {
        const std::string_view rest = config.substr(prefix.size());
        info.version = std::string(rest.substr(0, rest.find(' ')));
    }
    const char* core = openblas().get_corename();
    info.kernels = core != nullptr ? core : "unknown";
    if (std::getenv("OPENBLAS_CORETYPE") != nullptr)
        info.kernels += " (OPENBLAS_CORETYPE)";
    return info;
}

} // namespace autograd::detail
