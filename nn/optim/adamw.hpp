// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's torch.optim.AdamW
// without amsgrad. The decay shrinks the weight directly instead of entering the gradient, so it
// is not rescaled by the adaptive denominator. For parameter step t (counted per parameter):
//
//   w *= 1 - lr * weight_decay
//   m = beta1 * m + (1 - beta1) * grad
//   v = beta2 * v + (1 - beta2) * grad^2
//   w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// State: "exp_avg" (m), "exp_avg_sq" (v). The update is Adam's (nn/optim/adam.cpp), decoupled.
//
//   nn::AdamW opt(model.parameters(), {.lr = 1e-3, .weight_decay = 0.05});
#pragma once

#include "nn/optim/adam.hpp"

namespace nn {

struct AdamWOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 1e-2; // PyTorch's default, unlike Adam's 0
};

class AdamW : public Adam {
public:
    AdamW(Params params, AdamWOptions o)
        : Adam(std::move(params), {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}, true, "AdamW")
    {
    }
};

} // namespace nn
