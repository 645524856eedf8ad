// run_vectorized: a loop compiled twice, for the build's baseline and for AVX2 + FMA, and run in
// the version this CPU supports. The build stays portable (no -march), and loops over tensors
// still get this machine's 32-byte vectors. Used by the elementwise kernels and the optimizers.
//
//   detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
//       for (std::int64_t i = 0; i < n; ++i)
//           y[i] += a * x[i];   // an AVX2 + FMA loop where the CPU has them
//   });
#pragma once

// What marks a lambda to be inlined into run_avx2: [[gnu::always_inline]] after its parameters.
// GCC applies it to the call operator; clang (14, the version tested) ignores it in that place
// and warns (-Wignored-attributes), so there it is left out: clang inlines such small loops into
// their one caller by itself.
#if defined(__clang__)
#define BACKPROP_INLINE_LAMBDA
#else
#define BACKPROP_INLINE_LAMBDA [[gnu::always_inline]]
#endif

namespace autograd::detail {

/// Whether this CPU has AVX2 and FMA (asked once; BACKPROP_KERNELS=baseline answers no).
bool cpu_has_avx2();

/// Runs loop() compiled for AVX2 + FMA. loop is inlined into it (mark the lambda
/// BACKPROP_INLINE_LAMBDA), so it gets its own vectorised copy of the loop.
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
