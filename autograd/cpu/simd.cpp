// The CPU feature test behind run_vectorized (simd.hpp).
#include "autograd/cpu/simd.hpp"

#include <cstdlib>
#include <string_view>

namespace autograd::detail {

bool cpu_has_avx2()
{
    // BACKPROP_KERNELS=baseline forces the baseline loops (CI runs the tests both ways).
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                            std::string_view(std::getenv("BACKPROP_KERNELS") ? std::getenv("BACKPROP_KERNELS") : "") != "baseline";
    return has;
}

} // namespace autograd::detail
