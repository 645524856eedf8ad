#include "nn/rprop.hpp"

#include <algorithm>

namespace nn {

Rprop::Rprop(std::vector<ParamRef> params, RpropOptions options)
    : Optimizer(std::move(params)), options_(options), prev_grad_(numel(), 0.0), step_size_(numel(), options.lr)
{
    require(options.lr > 0.0, "Rprop", "lr (the initial step size) must be > 0", options.lr);
    require(options.eta_minus > 0.0 && options.eta_minus < 1.0, "Rprop", "eta_minus must be in (0, 1)",
            options.eta_minus);
    require(options.eta_plus > 1.0, "Rprop", "eta_plus must be > 1", options.eta_plus);
    require(options.step_min >= 0.0 && options.step_min <= options.step_max, "Rprop",
            "step_min must be in [0, step_max]", options.step_min);
    register_state("prev", prev_grad_);
    register_state("step_size", step_size_);
}

void Rprop::set_lr(double lr)
{
    // NOTE: 0 is allowed here, unlike in the constructor: a schedule may end at 0 (cosine
    // annealing), and a parameter starting from it still moves once clamping lifts it to step_min.
    require(lr >= 0.0, "Rprop", "lr (the initial step size) must be >= 0", lr);
    options_.lr = lr;
}

void Rprop::step()
{
    const RpropOptions o = options_; // a local copy: the loop's stores cannot alias it
    const auto sign = [](double x) { return static_cast<double>((x > 0.0) - (x < 0.0)); };
    for_each_param([&](const Slot& p, auto w, auto grad) {
        double* prev = prev_grad_.data() + p.offset;
        double* step_size = step_size_.data() + p.offset;
        if (p.step == 1) // PyTorch creates the state at the first update, from the lr of that moment
            for (std::size_t k = 0; k < w.size(); ++k) {
                prev[k] = 0.0;
                step_size[k] = o.lr;
            }
        for (std::size_t k = 0; k < w.size(); ++k) {
            const double g = grad[k];
            const double s = sign(g * prev[k]);                                             // s = sign(grad prev)
            const double factor = s > 0.0 ? o.eta_plus : s < 0.0 ? o.eta_minus : 1.0;
            step_size[k] = std::clamp(step_size[k] * factor, o.step_min, o.step_max);       // step *= eta, clamped
            const double g_used = s < 0.0 ? 0.0 : g;                                        // no move after a flip
            w[k] -= sign(g_used) * step_size[k];                                             // w -= sign(g) step
            prev[k] = g_used;                                                               // prev = g
        }
    });
}

} // namespace nn
