// RMSprop (Hinton's lecture 6e), PyTorch's torch.optim.RMSprop: the gradient divided by a running
// root mean square of recent gradients. Centered, it divides by an estimate of the variance
// instead (the running mean of the gradient is subtracted).
//
//   g = grad + weight_decay * w
//   sq = alpha * sq + (1 - alpha) * g^2
//   centered: ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga^2) + eps
//   otherwise:                                    avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + g / avg;  w -= lr * buf
//   otherwise:                                     w -= lr * g / avg
//
// State: "square_avg" (sq), "momentum_buffer" (when momentum > 0), "grad_avg" (when centered).
//
//   nn::RMSprop opt(model.parameters(), {.lr = 0.01, .momentum = 0.9, .centered = true});
#pragma once

#include "nn/optim/optimizer.hpp"

namespace nn {

struct RMSpropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0.0;
    double momentum = 0.0;
    bool centered = false;
};

class RMSprop : public Optimizer {
public:
    RMSprop(Params params, RMSpropOptions options);
    void step() override;

    /// The options, with the lr as it is now.
    RMSpropOptions options() const { return with_lr(options_); }

private:
    RMSpropOptions options_; // its lr is the base class's, read through options()
    StateArray square_avg_;
    StateArray momentum_buffer_;
    StateArray grad_avg_;
};

} // namespace nn
