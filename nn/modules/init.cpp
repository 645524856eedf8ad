#include "nn/modules/init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

namespace {

// Writes f() into every element, in order (so a seed gives the same tensor everywhere).
template <class F> const Tensor& fill(const Tensor& t, F f)
{
    autograd::dispatch(t.dtype(), [&]<class T>() {
        T* p = t.data_ptr<T>();
        for (std::int64_t i = 0, n = t.numel(); i < n; ++i)
            p[i] = static_cast<T>(f());
    });
    return t;
}

// fans() with the caller's name in the error: a bias passed to xavier_uniform_ is then found.
std::pair<double, double> fans_for(std::string_view op, const Tensor& t)
{
    if (!t.defined() || t.dim() < 2)
        throw std::invalid_argument(fmt::format("{}: fan in and fan out need a tensor of 2 or more dimensions (got {})",
                                                op, t.defined() ? autograd::to_string(t.shape()) : "undefined"));
    double receptive = 1.0;
    for (std::int64_t d = 2; d < t.dim(); ++d)
        receptive *= static_cast<double>(t.size(d));
    return {static_cast<double>(t.size(1)) * receptive, static_cast<double>(t.size(0)) * receptive};
}

double fan(std::string_view op, const Tensor& t, FanMode mode)
{
    const auto [in, out] = fans_for(op, t);
    return mode == FanMode::FanIn ? in : out;
}

} // namespace

double calculate_gain(std::string_view nonlinearity, double param)
{
    if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" || nonlinearity == "sigmoid")
        return 1.0;
    if (nonlinearity == "tanh")
        return 5.0 / 3.0;
    if (nonlinearity == "relu")
        return std::sqrt(2.0);
    if (nonlinearity == "leaky_relu")
        return std::sqrt(2.0 / (1.0 + param * param));
    if (nonlinearity == "selu")
        return 0.75;
    throw std::invalid_argument(fmt::format("calculate_gain: unknown nonlinearity '{}'", nonlinearity));
}

std::pair<double, double> fans(const Tensor& t)
{
    return fans_for("fans", t);
}

const Tensor& uniform_(const Tensor& t, autograd::Generator& gen, double a, double b)
{
    if (!(a <= b)) // as PyTorch, which refuses an empty or reversed range
        throw std::invalid_argument(fmt::format("uniform_: the range [{}, {}) is empty (want a <= b)", a, b));
    return fill(t, [&] { return gen.uniform(a, b); });
}

const Tensor& normal_(const Tensor& t, autograd::Generator& gen, double mean, double std)
{
    if (!(std >= 0.0))
        throw std::invalid_argument(fmt::format("normal_: std {} is negative (want std >= 0)", std));
    return fill(t, [&] { return gen.normal(mean, std); });
}

const Tensor& zeros_(const Tensor& t)
{
    return fill(t, [] { return 0.0; });
}

const Tensor& ones_(const Tensor& t)
{
    return fill(t, [] { return 1.0; });
}

const Tensor& xavier_uniform_(const Tensor& t, autograd::Generator& gen, double gain)
{
    const auto [in, out] = fans_for("xavier_uniform_", t);
    const double a = gain * std::sqrt(6.0 / (in + out));
    return uniform_(t, gen, -a, a);
}

const Tensor& xavier_normal_(const Tensor& t, autograd::Generator& gen, double gain)
{
    const auto [in, out] = fans_for("xavier_normal_", t);
    return normal_(t, gen, 0.0, gain * std::sqrt(2.0 / (in + out)));
}

const Tensor& kaiming_uniform_(const Tensor& t, autograd::Generator& gen, double a, FanMode mode,
                               std::string_view nonlinearity)
{
    const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan("kaiming_uniform_", t, mode));
    return uniform_(t, gen, -bound, bound);
}

const Tensor& kaiming_normal_(const Tensor& t, autograd::Generator& gen, double a, FanMode mode,
                              std::string_view nonlinearity)
{
    return normal_(t, gen, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan("kaiming_normal_", t, mode)));
}

} // namespace nn
