#include "nn/adamw.hpp"

#include <cmath>

namespace nn {

AdamW::AdamW(std::vector<ParamRef> params, AdamWOptions options)
    : Optimizer(std::move(params)), options_(options), m_(numel(), 0.0), v_(numel(), 0.0)
{
    require(options.lr >= 0.0, "AdamW", "lr must be >= 0", options.lr);
    require(options.beta1 >= 0.0 && options.beta1 < 1.0, "AdamW", "beta1 must be in [0, 1)", options.beta1);
    require(options.beta2 >= 0.0 && options.beta2 < 1.0, "AdamW", "beta2 must be in [0, 1)", options.beta2);
    require(options.eps >= 0.0, "AdamW", "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, "AdamW", "weight_decay must be >= 0", options.weight_decay);
    register_state("exp_avg", m_);
    register_state("exp_avg_sq", v_);
}

void AdamW::set_lr(double lr)
{
    require(lr >= 0.0, "AdamW", "lr must be >= 0", lr);
    options_.lr = lr;
}

void AdamW::step()
{
    const AdamWOptions o = options_; // a local copy: the loop's stores cannot alias it
    const double decay = 1.0 - o.lr * o.weight_decay;
    for_each_param([&](const Slot& p, auto w, auto grad) {
        const double t = static_cast<double>(p.step);
        const double step_size = o.lr / (1.0 - std::pow(o.beta1, t));         // lr / (1 - beta1^t)
        const double correction2_sqrt = std::sqrt(1.0 - std::pow(o.beta2, t)); // sqrt(1 - beta2^t)
        double* m = m_.data() + p.offset;
        double* v = v_.data() + p.offset;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const double g = grad[k];
            w[k] *= decay;                                              // w *= 1 - lr wd
            m[k] = o.beta1 * m[k] + (1.0 - o.beta1) * g;                // m = beta1 m + (1 - beta1) g
            v[k] = o.beta2 * v[k] + (1.0 - o.beta2) * g * g;            // v = beta2 v + (1 - beta2) g^2
            w[k] -= step_size * (m[k] / (std::sqrt(v[k]) / correction2_sqrt + o.eps)); // w -= step m / denom
        }
    });
}

} // namespace nn
