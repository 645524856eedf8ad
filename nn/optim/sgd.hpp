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
    SGD(std::vector<ParamRef> params, SGDOptions options);
    void step() override;

    const SGDOptions& options() const { return options_; }
    double lr() const override { return options_.lr; }
    void set_lr(double lr) override;
    std::string_view name() const override { return "SGD"; }

private:
    SGDOptions options_;
    StateArray momentum_buffer_;
};

} // namespace nn
