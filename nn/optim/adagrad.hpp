// Adagrad (Duchi, Hazan & Singer), PyTorch's torch.optim.Adagrad: each weight's step shrinks with
// the sum of its squared gradients so far. For parameter step t (counted per parameter, from 1):
//
//   clr = lr / (1 + (t - 1) * lr_decay)
//   g = grad + weight_decay * w
//   sum += g^2                          (sum starts at initial_accumulator_value)
//   w -= clr * g / (sqrt(sum) + eps)
//
// State: "sum".
#pragma once

#include "nn/optim/optimizer.hpp"

namespace nn {

struct AdagradOptions {
    double lr = 1e-2;
    double lr_decay = 0.0;
    double weight_decay = 0.0;
    double initial_accumulator_value = 0.0;
    double eps = 1e-10;
};

class Adagrad : public Optimizer {
public:
    Adagrad(std::vector<ParamRef> params, AdagradOptions options);
    void step() override;

    const AdagradOptions& options() const { return options_; }
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    std::string_view name() const override { return "Adagrad"; }

private:
    AdagradOptions options_;
    StateArray sum_;
};

} // namespace nn
