#include "nn/adam.hpp"

#include <cmath>

namespace nn {

Adam::Adam(std::vector<ParamRef> params, AdamOptions options)
    : Optimizer(std::move(params)), options_(options), m_(numel(), 0.0), v_(numel(), 0.0)
{
    require(options.lr >= 0.0, "Adam", "lr must be >= 0", options.lr);
    require(options.beta1 >= 0.0 && options.beta1 < 1.0, "Adam", "beta1 must be in [0, 1)", options.beta1);
    require(options.beta2 >= 0.0 && options.beta2 < 1.0, "Adam", "beta2 must be in [0, 1)", options.beta2);
    require(options.eps >= 0.0, "Adam", "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, "Adam", "weight_decay must be >= 0", options.weight_decay);
}

void Adam::step()
{
    const AdamOptions& o = options_;
    const double t = static_cast<double>(steps() + 1);
    const double step_size = o.lr / (1.0 - std::pow(o.beta1, t));
    const double correction2_sqrt = std::sqrt(1.0 - std::pow(o.beta2, t));
    for_each_element([&](std::size_t i, double& w, double grad) {
        const double g = grad + o.weight_decay * w;
        m_[i] += (g - m_[i]) * (1.0 - o.beta1); // PyTorch's lerp form of beta1*m + (1-beta1)*g
        v_[i] = o.beta2 * v_[i] + (1.0 - o.beta2) * g * g;
        w -= step_size * m_[i] / (std::sqrt(v_[i]) / correction2_sqrt + o.eps);
    });
}

} // namespace nn
