#include "nn/optim/adagrad.hpp"

#include <cmath>

namespace nn {

Adagrad::Adagrad(Params params, AdagradOptions options)
    : Optimizer(std::move(params), "Adagrad", options.lr), options_(options)
{
    require(options.lr_decay >= 0.0, "lr_decay must be >= 0", options.lr_decay);
    require(options.weight_decay >= 0.0, "weight_decay must be >= 0", options.weight_decay);
    require(options.initial_accumulator_value >= 0.0, "initial_accumulator_value must be >= 0",
            options.initial_accumulator_value);
    require(options.eps >= 0.0, "eps must be >= 0", options.eps);
    register_state("sum", sum_, options.initial_accumulator_value);
}

void Adagrad::step()
{
    const AdagradOptions o = options(); // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        using T = typename decltype(w)::value_type; // the parameter's dtype: the arithmetic's too
        const T clr = static_cast<T>(o.lr / (1.0 + static_cast<double>(p.step - 1) * o.lr_decay)); // lr / (1 + (t-1) decay)
        const T wd = static_cast<T>(o.weight_decay), eps = static_cast<T>(o.eps);
        T* sum = sum_.data<T>() + p.offset;
        for (std::size_t k = 0; k < w.size(); ++k) {
            const T g = grad[k] + wd * w[k];                // g = grad + wd w
            sum[k] += g * g;                                // sum += g^2
            w[k] -= clr * (g / (std::sqrt(sum[k]) + eps));  // w -= clr g / (sqrt(sum) + eps)
        }
    });
}

} // namespace nn
