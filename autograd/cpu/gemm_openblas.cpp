// The OpenBLAS backend: CBLAS sgemm/dgemm on the calling thread, and the epilogue as a second pass
// (CBLAS cannot fuse one). Every float64 product runs here, and float32 ones when OpenBLAS is the
// selected backend (autograd/matmul_backend.hpp).
#include "autograd/cpu/gemm.hpp"
#include "autograd/cpu/simd.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <type_traits>

namespace autograd::detail {
namespace {

// OpenBLAS picks its kernels from the CPU model it reads when it is loaded. A CPU newer than the
// library (Debian 12's OpenBLAS 0.3.21 on Intel's Emerald Rapids, for one) gets kernels older than
// AVX2, the generic "Prescott" ones: 32 GFLOP/s where the AVX-512 ones give 149 on the same core.
// Nothing can change the choice once the library is loaded, so the first float32 product on this
// backend says so, once, with the settings that fix it; unless OPENBLAS_CORETYPE is set, which is
// one of them (a user who chose an old core on purpose, or silences this, has it set). float64
// products, which run here whatever the backend, do not warn: they are for gradient checks.
void warn_if_kernels_predate_cpu()
{
    static const bool checked = [] {
        if (std::getenv("OPENBLAS_CORETYPE") != nullptr)
            return true;
        const char* name = openblas_get_corename();
        const std::string_view core = name != nullptr ? name : "";
        constexpr std::array<std::string_view, 8> kPreAvx2 = {"Prescott", "Core2",   "Penryn",      "Dunnington",
                                                              "Nehalem",  "Atom",    "Sandybridge", "Unknown"};
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

// Backprop's pool splits large products itself (cpu/gemm.cpp), so OpenBLAS must not start its own
// threads beside it: one thread, set before the first call.
void use_one_thread()
{
    static std::once_flag once;
    std::call_once(once, [] { openblas_set_num_threads(1); });
}

template <class T> void run(const Gemm<T>& g)
{
    use_one_thread();
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
            cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, g.a, lda, g.b, ldb, 1.0f, g.c, ldc);
        else
            cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, g.a, lda, g.b, ldb, 1.0, g.c, ldc);
    }
    apply_epilogue<T>(g.m, g.n, g.c, g.ldc, nullptr, g.act);
}

} // namespace

template <class T>
void apply_epilogue(std::int64_t m, std::int64_t n, T* c, std::int64_t ldc, const T* bias, Epilogue act)
{
    if (bias == nullptr && act == Epilogue::None)
        return;
    run_vectorized([&]() [[gnu::always_inline]] {
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
    const std::string_view config = openblas_get_config();
    constexpr std::string_view prefix = "OpenBLAS ";
    if (config.starts_with(prefix)) {
        const std::string_view rest = config.substr(prefix.size());
        info.version = std::string(rest.substr(0, rest.find(' ')));
    }
    const char* core = openblas_get_corename();
    info.kernels = core != nullptr ? core : "unknown";
    if (std::getenv("OPENBLAS_CORETYPE") != nullptr)
        info.kernels += " (OPENBLAS_CORETYPE)";
    return info;
}

} // namespace autograd::detail
