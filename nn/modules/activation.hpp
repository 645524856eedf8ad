// Activation functions as modules, for Sequential: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax,
// LogSoftmax (torch.nn's names and printing). Each forwards to the autograd op.
//
//   nn::Sequential model{nn::Linear(4, 16, gen), nn::LeakyReLU(0.1), nn::Linear(16, 3, gen), nn::LogSoftmax(1)};
//   Tensor y = nn::Tanh()(x);                                 // alone, a module is its op: tanh(x)
#pragma once

#include "nn/modules/module.hpp"

namespace nn {

class ReLU : public Module {
public:
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::relu(x); }
    std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public Module {
public:
    explicit LeakyReLU(double negative_slope = 0.01) : slope_(negative_slope) {}
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::leaky_relu(x, slope_); }
    std::string type_name() const override { return "LeakyReLU"; }
    std::string extra_repr() const override;

private:
    double slope_;
};

class Sigmoid : public Module {
public:
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::sigmoid(x); }
    std::string type_name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
public:
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::tanh(x); }
    std::string type_name() const override { return "Tanh"; }
};

/// softmax along `dim` (PyTorch's Softmax(dim)).
class Softmax : public Module {
public:
    explicit Softmax(std::int64_t dim) : dim_(dim) {}
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::softmax(x, dim_); }
    std::string type_name() const override { return "Softmax"; }
    std::string extra_repr() const override;

private:
    std::int64_t dim_;
};

class LogSoftmax : public Module {
public:
    explicit LogSoftmax(std::int64_t dim) : dim_(dim) {}
    autograd::Tensor forward(const autograd::Tensor& x) override { return autograd::log_softmax(x, dim_); }
    std::string type_name() const override { return "LogSoftmax"; }
    std::string extra_repr() const override;

private:
    std::int64_t dim_;
};

} // namespace nn
