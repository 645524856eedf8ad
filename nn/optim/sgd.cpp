#include "nn/optim/sgd.hpp"

namespace nn {

SGD::SGD(Params params, SGDOptions options) : Optimizer(std::move(params), "SGD", options.lr), options_(options)
{
    require(options.momentum >= 0.0, "momentum must be >= 0", options.momentum);
    require(options.weight_decay >= 0.0, "weight_decay must be >= 0", options.weight_decay);
    require(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
            "nesterov needs momentum > 0 and dampening = 0; momentum is", options.momentum);
    if (options.momentum != 0.0) {
        register_state("momentum_buffer", momentum_buffer_);
    }
}

void SGD::step()
{
    const SGDOptions o = options(); // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        using T = typename decltype(w)::value_type; // the parameter's dtype: the arithmetic's too
        const T lr = static_cast<T>(o.lr), wd = static_cast<T>(o.weight_decay), m = static_cast<T>(o.momentum),
                keep = static_cast<T>(1.0 - o.dampening);
        if (o.momentum == 0.0) {
            for (std::size_t k = 0; k < w.size(); ++k)
                w[k] -= lr * (grad[k] + wd * w[k]); // w -= lr (grad + wd w)
            return;
        }
        T* buf = momentum_buffer_.data<T>() + p.offset;
        const bool first = p.step == 1;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const T g = grad[k] + wd * w[k];                            // g = grad + wd w
            buf[k] = first ? g : m * buf[k] + keep * g;                  // buf = m buf + (1 - d) g
            w[k] -= lr * (o.nesterov ? g + m * buf[k] : buf[k]);        // w -= lr (nesterov ? g + m buf : buf)
        }
    });
}

} // namespace nn
