#include "nn/optim/clip_grad.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nn {

namespace {

// ||x||_p of one gradient: max |x| for p = inf, sqrt(sum x^2) for p = 2, (sum |x|^p)^(1/p) otherwise.
template <class T> double norm_of(std::span<const T> x, double p)
{
    double acc = 0.0;
    if (std::isinf(p)) {
        for (const T v : x)
            acc = std::max(acc, std::abs(static_cast<double>(v)));
        return acc;
    }
    if (p == 2.0) {
        for (const T v : x)
            acc += static_cast<double>(v) * static_cast<double>(v);
        return std::sqrt(acc);
    }
    for (const T v : x)
        acc += std::pow(std::abs(static_cast<double>(v)), p);
    return std::pow(acc, 1.0 / p);
}

} // namespace

double clip_grad_norm_(const Params& params, double max_norm, double norm_type, bool error_if_nonfinite)
{
    if (!(norm_type > 0.0))
        throw std::invalid_argument(fmt::format("clip_grad_norm_: norm_type must be > 0 or inf (got {})", norm_type));
    if (!(max_norm >= 0.0))
        throw std::invalid_argument(fmt::format("clip_grad_norm_: max_norm must be >= 0 (got {})", max_norm));

    std::vector<double> norms;
    for (const ParamRef& p : params.refs())
        p.visit([&](auto, auto g) { norms.push_back(norm_of(g, norm_type)); });
    if (norms.empty())
        return 0.0;
    const double total = norm_of(std::span<const double>(norms), norm_type);

    if (error_if_nonfinite && !std::isfinite(total))
        throw std::runtime_error(fmt::format(
            "clip_grad_norm_: the total norm of order {} of the gradients is {}, so they cannot be clipped "
            "(with error_if_nonfinite = false they are scaled by it anyway)",
            norm_type, total));
    const double clip_coef = max_norm / (total + 1e-6);
    if (clip_coef < 1.0 || std::isnan(clip_coef)) // a NaN scales too, as torch.clamp(NaN, max=1) is NaN
        for (const ParamRef& p : params.refs())
            p.visit_grad([&](auto g) {
                for (auto& v : g)
                    v *= clip_coef;
            });
    return total;
}

} // namespace nn
