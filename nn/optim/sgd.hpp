// SGD with optional momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule).
//
//   g = grad + weight_decay * w
//   buf = g                                   on the parameter's first step
//   buf = momentum * buf + (1 - dampening) * g   afterwards
//   g = nesterov ? g + momentum * buf : buf   (when momentum != 0)
//   w = w - lr * g
//
// With constant lr this is the tutorial's rule "the new change is minus the learning rate times
// the gradient plus the momentum times the last change": change = -lr * buf, and
// -lr * buf_t = -lr * g_t + momentum * (-lr * buf_{t-1}).
// State: "momentum_buffer" (when momentum != 0).
//
//   nn::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9, .nesterov = true});
#pragma once

#include "nn/optim/optimizer.hpp"

namespace nn {

struct SGDOptions {
    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

class SGD : public Optimizer {
public:
    SGD(Params params, SGDOptions options);
    void step() override;

    /// The options, with the lr as it is now.
    SGDOptions options() const { return with_lr(options_); }

private:
    SGDOptions options_; // its lr is the base class's, read through options()
    StateArray momentum_buffer_;
};

} // namespace nn
