#include "nn/sgd.hpp"

namespace nn {

SGD::SGD(std::vector<ParamRef> params, SGDOptions options) : Optimizer(std::move(params)), options_(options)
{
    require(options.lr >= 0.0, "SGD", "lr must be >= 0", options.lr);
    require(options.momentum >= 0.0, "SGD", "momentum must be >= 0", options.momentum);
    require(options.weight_decay >= 0.0, "SGD", "weight_decay must be >= 0", options.weight_decay);
    require(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0), "SGD",
            "nesterov needs momentum > 0 and dampening = 0; momentum is", options.momentum);
    if (options.momentum != 0.0)
        momentum_buffer_.assign(numel(), 0.0);
}

void SGD::set_lr(double lr)
{
    require(lr >= 0.0, "SGD", "lr must be >= 0", lr);
    options_.lr = lr;
}

void SGD::step()
{
    const SGDOptions& o = options_;
    const bool first = steps() == 0;
    for_each_element([&](std::size_t i, double& w, double grad) {
        double g = grad + o.weight_decay * w;
        if (o.momentum != 0.0) {
            double& buf = momentum_buffer_[i];
            buf = first ? g : o.momentum * buf + (1.0 - o.dampening) * g;
            g = o.nesterov ? g + o.momentum * buf : buf;
        }
        w -= o.lr * g;
    });
}

} // namespace nn
