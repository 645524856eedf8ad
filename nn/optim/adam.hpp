// Adam (Kingma & Ba), PyTorch's torch.optim.Adam without amsgrad. For parameter step t
// (counted per parameter, from 1):
//
//   g = grad + weight_decay * w                (L2 penalty in the gradient; see AdamW for decoupled)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// State: "exp_avg" (m), "exp_avg_sq" (v).
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
    Adam(std::vector<ParamRef> params, AdamOptions options) : Adam(std::move(params), options, false, "Adam") {}
    void step() override;

    const AdamOptions& options() const { return options_; }
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    std::string_view name() const override { return name_; }

protected:
    /// AdamW is this update with the weight decay decoupled: w *= 1 - lr wd instead of g += wd w.
    Adam(std::vector<ParamRef> params, AdamOptions options, bool decoupled, std::string_view name);

private:
    AdamOptions options_;
    bool decoupled_;
    std::string_view name_;
    StateArray m_;
    StateArray v_;
};

} // namespace nn
