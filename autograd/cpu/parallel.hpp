// parallel_for: the one place where tensor kernels use more than one thread.
//
// Only large tensors are split: below `grain` elements per thread the cost of waking a thread
// (a few microseconds) is more than the work, so small tensors (most of a small MLP's) run on the
// caller's thread with no synchronisation at all. The workers are a pool made on first use;
// their number is BACKPROP_NUM_THREADS, or the cores this process may run on (its affinity mask:
// under `mpirun -np 2` on two cores, one each). Large matrix products are split
// here too (cpu/gemm.cpp), each block a one-thread product of the library: one pool, one setting.
//
//   detail::parallel_for(n, std::int64_t{1} << 16, [&](std::int64_t begin, std::int64_t end) {
//       for (std::int64_t i = begin; i < end; ++i)
//           y[i] = 2.0f * x[i];
//   });   // one call on the caller's thread when n is below two grains
#pragma once

#include <cstdint>
#include <functional>

namespace autograd::detail {

/// Threads a parallel_for may use, the caller's included (at least 1): BACKPROP_NUM_THREADS, or
/// the cores in this process's affinity mask when it is unset or empty. Throws
/// std::invalid_argument naming the variable and its value unless that is a whole number from 1
/// to 1024 (on every call: nothing is cached then).
int max_threads();

/// Calls body(begin, end) on disjoint ranges covering [0, n), in parallel when n is at least
/// 2 * grain, and returns when every range is done. body must not throw. A parallel_for inside
/// another one's body runs inline.
void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body);

} // namespace autograd::detail
