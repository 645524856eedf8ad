#include "nn/optim/adam.hpp"

#include <cmath>

namespace nn {

Adam::Adam(Params params, AdamOptions options, bool decoupled, std::string name)
    : Optimizer(std::move(params), std::move(name), options.lr), options_(options), decoupled_(decoupled)
{
    require(options.beta1 >= 0.0 && options.beta1 < 1.0, "beta1 must be in [0, 1)", options.beta1);
    require(options.beta2 >= 0.0 && options.beta2 < 1.0, "beta2 must be in [0, 1)", options.beta2);
    require(options.eps >= 0.0, "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, "weight_decay must be >= 0", options.weight_decay);
    register_state("exp_avg", m_);
    register_state("exp_avg_sq", v_);
}

void Adam::step()
{
    const AdamOptions o = options(); // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        using T = typename decltype(w)::value_type; // the parameter's dtype: the arithmetic's too
        const double t = static_cast<double>(p.step);
        // Coefficients in double, as PyTorch computes them in Python, then in the parameter's dtype.
        const T l2 = static_cast<T>(decoupled_ ? 0.0 : o.weight_decay);              // Adam: in the gradient
        const T decay = static_cast<T>(decoupled_ ? 1.0 - o.lr * o.weight_decay : 1.0); // AdamW: on the weight
        const T step_size = static_cast<T>(o.lr / (1.0 - std::pow(o.beta1, t)));      // lr / (1 - beta1^t)
        const T correction2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(o.beta2, t))); // sqrt(1 - beta2^t)
        const T b2 = static_cast<T>(o.beta2), eps = static_cast<T>(o.eps);
        const T c1 = static_cast<T>(1.0 - o.beta1), c2 = static_cast<T>(1.0 - o.beta2);
        T* m = m_.data<T>() + p.offset;
        T* v = v_.data<T>() + p.offset;
        for (std::size_t k = 0; k < w.size(); ++k) {
            w[k] *= decay;                                            // AdamW: w *= 1 - lr wd
            const T g = grad[k] + l2 * w[k];                          // Adam: g = grad + wd w
            // m = beta1 m + (1 - beta1) g, computed as PyTorch's exp_avg.lerp_(g, 1 - beta1)
            m[k] = c1 < T(0.5) ? m[k] + c1 * (g - m[k]) : g - (g - m[k]) * (T(1) - c1);
            v[k] = b2 * v[k] + c2 * g * g;                            // v = beta2 v + (1 - beta2) g^2
            w[k] -= step_size * (m[k] / (std::sqrt(v[k]) / correction2_sqrt + eps)); // w -= step m / denom
        }
    });
}

} // namespace nn
