#include "nn/rprop.hpp"

#include <algorithm>

namespace nn {

Rprop::Rprop(std::vector<ParamRef> params, RpropOptions options)
    : Optimizer(std::move(params)), options_(options), prev_grad_(numel(), 0.0), step_size_(numel(), options.lr)
{
    require(options.lr > 0.0, "Rprop", "lr (the initial step size) must be > 0", options.lr);
    require(options.eta_minus > 0.0 && options.eta_minus < 1.0, "Rprop", "eta_minus must be in (0, 1)",
            options.eta_minus);
    require(options.eta_plus > 1.0, "Rprop", "eta_plus must be > 1", options.eta_plus);
    require(options.step_min >= 0.0 && options.step_min <= options.step_max, "Rprop",
            "step_min must be in [0, step_max]", options.step_min);
}

void Rprop::step()
{
    const RpropOptions& o = options_;
    const auto sign = [](double x) { return static_cast<double>((x > 0.0) - (x < 0.0)); };
    for_each_element([&](std::size_t i, double& w, double grad) {
        const double s = sign(grad * prev_grad_[i]);
        const double factor = s > 0.0 ? o.eta_plus : s < 0.0 ? o.eta_minus : 1.0;
        step_size_[i] = std::clamp(step_size_[i] * factor, o.step_min, o.step_max);
        const double g = s < 0.0 ? 0.0 : grad;
        w -= sign(g) * step_size_[i];
        prev_grad_[i] = g;
    });
}

} // namespace nn
