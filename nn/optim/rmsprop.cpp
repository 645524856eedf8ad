#include "nn/optim/rmsprop.hpp"

#include <cmath>

namespace nn {

RMSprop::RMSprop(Params params, RMSpropOptions options)
    : Optimizer(std::move(params), "RMSprop", options.lr), options_(options)
{
    require(options.alpha >= 0.0, "alpha must be >= 0", options.alpha);
    require(options.eps >= 0.0, "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, "weight_decay must be >= 0", options.weight_decay);
    require(options.momentum >= 0.0, "momentum must be >= 0", options.momentum);
    register_state("square_avg", square_avg_);
    if (options.momentum > 0.0) {
        register_state("momentum_buffer", momentum_buffer_);
    }
    if (options.centered) {
        register_state("grad_avg", grad_avg_);
    }
}

void RMSprop::step()
{
    const RMSpropOptions o = options(); // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        using T = typename decltype(w)::value_type; // the parameter's dtype: the arithmetic's too
        const T lr = static_cast<T>(o.lr), wd = static_cast<T>(o.weight_decay), alpha = static_cast<T>(o.alpha),
                rest = static_cast<T>(1.0 - o.alpha), eps = static_cast<T>(o.eps), m = static_cast<T>(o.momentum);
        T* sq = square_avg_.data<T>() + p.offset;
        // Buffers an option leaves out (no momentum, not centered) are never indexed.
        T* buf = o.momentum > 0.0 ? momentum_buffer_.data<T>() + p.offset : nullptr;
        T* ga = o.centered ? grad_avg_.data<T>() + p.offset : nullptr;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const T g = grad[k] + wd * w[k];                      // g = grad + wd w
            sq[k] = alpha * sq[k] + rest * g * g;                 // sq = alpha sq + (1 - alpha) g^2
            T avg = T(0);
            if (o.centered) {
                ga[k] = alpha * ga[k] + rest * g;                 // ga = alpha ga + (1 - alpha) g
                avg = std::sqrt(sq[k] - ga[k] * ga[k]) + eps;     // avg = sqrt(sq - ga^2) + eps
            } else {
                avg = std::sqrt(sq[k]) + eps;                     // avg = sqrt(sq) + eps
            }
            if (o.momentum > 0.0) {
                buf[k] = m * buf[k] + g / avg;                    // buf = m buf + g / avg
                w[k] -= lr * buf[k];                              // w -= lr buf
            } else {
                w[k] -= lr * (g / avg);                           // w -= lr g / avg
            }
        }
    });
}

} // namespace nn
