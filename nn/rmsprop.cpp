#include "nn/rmsprop.hpp"

#include <cmath>

namespace nn {

RMSprop::RMSprop(std::vector<ParamRef> params, RMSpropOptions options)
    : Optimizer(std::move(params)), options_(options), square_avg_(numel(), 0.0)
{
    require(options.lr >= 0.0, "RMSprop", "lr must be >= 0", options.lr);
    require(options.alpha >= 0.0, "RMSprop", "alpha must be >= 0", options.alpha);
    require(options.eps >= 0.0, "RMSprop", "eps must be >= 0", options.eps);
    require(options.weight_decay >= 0.0, "RMSprop", "weight_decay must be >= 0", options.weight_decay);
    require(options.momentum >= 0.0, "RMSprop", "momentum must be >= 0", options.momentum);
    register_state("square_avg", square_avg_);
    if (options.momentum > 0.0) {
        momentum_buffer_.assign(numel(), 0.0);
        register_state("momentum_buffer", momentum_buffer_);
    }
    if (options.centered) {
        grad_avg_.assign(numel(), 0.0);
        register_state("grad_avg", grad_avg_);
    }
}

void RMSprop::set_lr(double lr)
{
    require(lr >= 0.0, "RMSprop", "lr must be >= 0", lr);
    options_.lr = lr;
}

void RMSprop::step()
{
    const RMSpropOptions o = options_; // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        double* sq = square_avg_.data() + p.offset;
        // Empty buffers (no momentum, not centered) are never indexed: no pointer into nothing.
        double* buf = o.momentum > 0.0 ? momentum_buffer_.data() + p.offset : nullptr;
        double* ga = o.centered ? grad_avg_.data() + p.offset : nullptr;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const double g = grad[k] + o.weight_decay * w[k];                // g = grad + wd w
            sq[k] = o.alpha * sq[k] + (1.0 - o.alpha) * g * g;               // sq = alpha sq + (1 - alpha) g^2
            double avg = 0.0;
            if (o.centered) {
                ga[k] = o.alpha * ga[k] + (1.0 - o.alpha) * g;               // ga = alpha ga + (1 - alpha) g
                avg = std::sqrt(sq[k] - ga[k] * ga[k]) + o.eps;              // avg = sqrt(sq - ga^2) + eps
            } else {
                avg = std::sqrt(sq[k]) + o.eps;                              // avg = sqrt(sq) + eps
            }
            if (o.momentum > 0.0) {
                buf[k] = o.momentum * buf[k] + g / avg;                      // buf = m buf + g / avg
                w[k] -= o.lr * buf[k];                                       // w -= lr buf
            } else {
                w[k] -= o.lr * (g / avg);                                    // w -= lr g / avg
            }
        }
    });
}

} // namespace nn
