// Generator: seeded, reproducible random numbers, identical on every platform.
//
// The engine draws from mt19937_64 (whose sequence the C++ standard fixes) through its own
// uniform, normal and integer transforms: the standard library's distributions are allowed to
// differ between implementations, which would make "seed 42" mean different weights on
// different machines.
//
//   autograd::Generator gen(42);
//   double u = gen.uniform(-1.0, 1.0);
//   double z = gen.normal(0.0, 1.0);
//   gen.shuffle(indices);                // Fisher-Yates
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <utility>

namespace autograd {

class Generator {
public:
    explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}

    void seed(std::uint64_t s)
    {
        engine_.seed(s);
        spare_normal_ = false;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    /// Uniform in [low, high).
    double uniform(double low, double high) { return low + (high - low) * uniform(); }

    /// Normal with the given mean and standard deviation (Box-Muller; the spare draw is kept).
    double normal(double mean = 0.0, double stddev = 1.0)
    {
        if (spare_normal_) {
            spare_normal_ = false;
            return mean + stddev * spare_;
        }
        double u1 = uniform();
        while (u1 <= 0.0)
            u1 = uniform();
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double theta = 2.0 * std::numbers::pi * u2;
        spare_ = r * std::sin(theta);
        spare_normal_ = true;
        return mean + stddev * r * std::cos(theta);
    }

    /// Uniform integer in [0, n), unbiased: draws below 2^64 mod n are rejected. n must be > 0.
    std::uint64_t below(std::uint64_t n)
    {
        const std::uint64_t threshold = (0 - n) % n;
        for (;;) {
            const std::uint64_t r = engine_();
            if (r >= threshold)
                return r % n;
        }
    }

    /// Shuffles in place (Fisher-Yates), the same permutation for the same seed everywhere.
    template <class T> void shuffle(std::span<T> items)
    {
        for (std::size_t i = items.size(); i > 1; --i)
            std::swap(items[i - 1], items[below(i)]);
    }

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool spare_normal_ = false;
};

} // namespace autograd
