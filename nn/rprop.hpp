// RPROP (resilient propagation): a step size per weight, driven by the gradient's sign only.
// PyTorch's torch.optim.Rprop semantics:
//
//   s = sign(grad * prev_grad)
//   step_size *= (s > 0 ? eta_plus : s < 0 ? eta_minus : 1), clamped to [step_min, step_max]
//   where the sign flipped (s < 0), the gradient is taken as 0: no move now, no flip next time
//   w -= sign(grad) * step_size
//   prev_grad = grad
//
// The initial step size is the learning rate; the gradient's size never enters the update,
// which is why the tutorial says RPROP needs no learning rate to speak of.
#pragma once

#include "nn/optimizer.hpp"

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
    Rprop(std::vector<ParamRef> params, RpropOptions options);
    void step() override;

    const RpropOptions& options() const { return options_; }

private:
    RpropOptions options_;
    std::vector<double> prev_grad_;
    std::vector<double> step_size_;
};

} // namespace nn
