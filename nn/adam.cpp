#include "nn/adam.hpp"

#include <cmath>

namespace nn {

Adam::Adam(std::vector<ParamRef> params, AdamOptions options, bool decoupled, std::string_view name)
    : Optimizer(std::move(params)), options_(options), decoupled_(decoupled), name_(name), m_(numel(), 0.0),
      v_(numel(), 0.0)
{
    require(options.lr >= 0.0, name, "lr must be >= 0", options.lr);
    require(options.beta1 >= 0.0 && options.beta1 < 1.0, name, "beta1 must be in [0, 1)", options.beta1);
    require(options.beta2 >= 0.0 && options.beta2 < 1.0, name, "beta2 must be in [0, 1)", options.beta2);
    require(options.eps >= 0.0, name, "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, name, "weight_decay must be >= 0", options.weight_decay);
    register_state("exp_avg", m_);
    register_state("exp_avg_sq", v_);
}

void Adam::set_lr(double lr)
{
    require(lr >= 0.0, name_, "lr must be >= 0", lr);
    options_.lr = lr;
}

void Adam::step()
{
    const AdamOptions o = options_; // a local copy: the loop's stores cannot alias it
    const double l2 = decoupled_ ? 0.0 : o.weight_decay;          // Adam: in the gradient
    const double decay = decoupled_ ? 1.0 - o.lr * o.weight_decay : 1.0; // AdamW: on the weight
    for_each_param([&](const Slot& p, auto w, auto grad) {
        const double t = static_cast<double>(p.step);
        const double step_size = o.lr / (1.0 - std::pow(o.beta1, t));         // lr / (1 - beta1^t)
        const double correction2_sqrt = std::sqrt(1.0 - std::pow(o.beta2, t)); // sqrt(1 - beta2^t)
        double* m = m_.data() + p.offset;
        double* v = v_.data() + p.offset;
        for (std::size_t k = 0; k < w.size(); ++k) {
            w[k] *= decay;                                              // AdamW: w *= 1 - lr wd
            const double g = grad[k] + l2 * w[k];                       // Adam: g = grad + wd w
            m[k] = o.beta1 * m[k] + (1.0 - o.beta1) * g;                // m = beta1 m + (1 - beta1) g
            v[k] = o.beta2 * v[k] + (1.0 - o.beta2) * g * g;            // v = beta2 v + (1 - beta2) g^2
            w[k] -= step_size * (m[k] / (std::sqrt(v[k]) / correction2_sqrt + o.eps)); // w -= step m / denom
        }
    });
}

} // namespace nn
