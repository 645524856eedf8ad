// run_vectorized: a loop compiled twice, for the build's baseline and for AVX2 + FMA, and run in
// the version this CPU supports. The build stays portable (no -march), and loops over tensors
// still get this machine's 32-byte vectors. Used by the elementwise kernels and the optimizers.
//
//   detail::run_vectorized([&]() [[gnu::always_inline]] {
//       for (std::int64_t i = 0; i < n; ++i)
//           y[i] += a * x[i];   // an AVX2 + FMA loop where the CPU has them
//   });
#pragma once

namespace autograd::detail {

/// Whether this CPU has AVX2 and FMA (asked once; BACKPROP_KERNELS=baseline answers no).
bool cpu_has_avx2();

/// Runs loop() compiled for AVX2 + FMA. loop is inlined into it (mark the lambda
/// [[gnu::always_inline]]), so it gets its own vectorised copy of the loop.
template <class F> [[gnu::target("avx2,fma")]] void run_avx2(F& loop) { loop(); }

/// Runs loop() in the AVX2 version when the CPU has it, the baseline one otherwise.
template <class F> void run_vectorized(F&& loop)
{
    if (cpu_has_avx2())
        run_avx2(loop);
    else
        loop();
}

} // namespace autograd::detail
