// Adam (Kingma & Ba), PyTorch's torch.optim.Adam without amsgrad. For parameter step t
// (counted per parameter, from 1):
//
//   g = grad + weight_decay * w                (L2 penalty in the gradient; see AdamW for decoupled)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// State: "exp_avg" (m), "exp_avg_sq" (v).
//
//   nn::Adam opt(model.parameters(), {.lr = 1e-3, .beta2 = 0.99});
#pragma once

#include "nn/optim/optimizer.hpp"

namespace nn {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

class Adam : public Optimizer {
public:
    Adam(Params params, AdamOptions options) : Adam(std::move(params), options, false, "Adam") {}
    void step() override;

    /// The options, with the lr as it is now.
    AdamOptions options() const { return with_lr(options_); }

protected:
    /// AdamW is this update with the weight decay decoupled: w *= 1 - lr wd instead of g += wd w.
    Adam(Params params, AdamOptions options, bool decoupled, std::string name);

private:
    AdamOptions options_; // its lr is the base class's, read through options()
    bool decoupled_;
    StateArray m_;
    StateArray v_;
};

} // namespace nn
