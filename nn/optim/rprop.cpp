#include "nn/optim/rprop.hpp"

#include <algorithm>

namespace nn {

Rprop::Rprop(Params params, RpropOptions options)
    : Optimizer(std::move(params), "Rprop", options.lr), options_(options)
{
    // NOTE: 0 is refused here, though set_lr (the base class's) takes it: a schedule may end at 0
    // (cosine annealing), and a parameter starting from it still moves once clamping lifts it to
    // step_min.
    require(options.lr > 0.0, "lr (the initial step size) must be > 0", options.lr);
    require(options.eta_minus > 0.0 && options.eta_minus < 1.0, "eta_minus must be in (0, 1)", options.eta_minus);
    require(options.eta_plus > 1.0, "eta_plus must be > 1", options.eta_plus);
    require(options.step_min >= 0.0 && options.step_min <= options.step_max, "step_min must be in [0, step_max]",
            options.step_min);
    register_state("prev", prev_grad_);
    register_state("step_size", step_size_, options.lr);
}

void Rprop::step()
{
    const RpropOptions o = options(); // a local copy: the loop's stores cannot alias it
    for_each_param([&](const Slot& p, auto w, auto grad) {
        using T = typename decltype(w)::value_type; // the parameter's dtype: the arithmetic's too
        const auto sign = [](T x) { return static_cast<T>((x > T(0)) - (x < T(0))); };
        const T plus = static_cast<T>(o.eta_plus), minus = static_cast<T>(o.eta_minus);
        const T lo = static_cast<T>(o.step_min), hi = static_cast<T>(o.step_max);
        T* prev = prev_grad_.data<T>() + p.offset;
        T* step_size = step_size_.data<T>() + p.offset;
        if (p.step == 1) // PyTorch creates the state at the first update, from the lr of that moment
            for (std::size_t k = 0; k < w.size(); ++k) {
                prev[k] = T(0);
                step_size[k] = static_cast<T>(o.lr);
            }
        for (std::size_t k = 0; k < w.size(); ++k) {
            const T g = grad[k];
            const T s = sign(g * prev[k]);                                          // s = sign(grad prev)
            const T factor = s > T(0) ? plus : s < T(0) ? minus : T(1);
            step_size[k] = std::clamp(step_size[k] * factor, lo, hi);               // step *= eta, clamped
            const T g_used = s < T(0) ? T(0) : g;                                   // no move after a flip
            w[k] -= sign(g_used) * step_size[k];                                    // w -= sign(g) step
            prev[k] = g_used;                                                       // prev = g
        }
    });
}

} // namespace nn
