// RPROP (resilient propagation): a step size per weight, driven by the gradient's sign only.
// PyTorch's torch.optim.Rprop semantics:
//
//   step_size = lr, prev = 0                  on the parameter's first step
//   s = sign(grad * prev)
//   step_size *= (s > 0 ? eta_plus : s < 0 ? eta_minus : 1), clamped to [step_min, step_max]
//   where the sign flipped (s < 0), the gradient is taken as 0: no move now, no flip next time
//   w -= sign(grad) * step_size
//   prev = grad
//
// The initial step size is the learning rate; the gradient's size never enters the update,
// which is why the tutorial says RPROP needs no learning rate to speak of.
//
// NOTE: lr()/set_lr() are the initial step size, as PyTorch's group['lr']: set_lr changes the
// step size a parameter starts from at its first update, and leaves the step sizes of parameters
// that have already been updated alone (they adapt on their own). So a scheduler changes nothing
// once every parameter has taken a step, exactly as with torch.optim.Rprop. set_lr accepts 0 (a
// schedule's end), which the constructor does not.
// State: "prev", "step_size".
//
//   nn::Rprop opt(model.parameters(), {.lr = 0.01, .step_max = 1.0});   // full-batch training
#pragma once

#include "nn/optim/optimizer.hpp"

namespace nn {

struct RpropOptions {
    double lr = 0.01; // initial step size
    double eta_minus = 0.5;
    double eta_plus = 1.2;
    double step_min = 1e-6;
    double step_max = 50.0;
};

class Rprop : public Optimizer {
public:
    Rprop(Params params, RpropOptions options);
    void step() override;

    /// The options, with the lr (the initial step size; see the note above) as it is now.
    RpropOptions options() const { return with_lr(options_); }

private:
    RpropOptions options_; // its lr is the base class's, read through options()
    StateArray prev_grad_;
    StateArray step_size_;
};

} // namespace nn
