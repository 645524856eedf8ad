// Adagrad (Duchi, Hazan & Singer), PyTorch's torch.optim.Adagrad: each weight's step shrinks with
// the sum of its squared gradients so far. For parameter step t (counted per parameter, from 1):
//
//   clr = lr / (1 + (t - 1) * lr_decay)
//   g = grad + weight_decay * w
//   sum += g^2                          (sum starts at initial_accumulator_value)
//   w -= clr * g / (sqrt(sum) + eps)
//
// State: "sum".
//
//   nn::Adagrad opt(model.parameters(), {.lr = 0.1, .lr_decay = 0.01});
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
    Adagrad(Params params, AdagradOptions options);
    void step() override;

    /// The options, with the lr as it is now.
    AdagradOptions options() const { return with_lr(options_); }

private:
    AdagradOptions options_; // its lr is the base class's, read through options()
    StateArray sum_;
};

} // namespace nn
