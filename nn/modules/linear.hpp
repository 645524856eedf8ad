// Linear: y = x W^T + b, as torch.nn.Linear (weight [out_features, in_features], bias [out]).
//
//   autograd::Generator gen(0);
//   nn::Linear fc(784, 128, gen);                  // weight [128, 784], bias [128]
//   Tensor y = fc(x);                              // x [N, 784] -> y [N, 128]
//
// Initialised as PyTorch does: weight and bias uniform in +-1/sqrt(in_features) (its
// kaiming_uniform_ with a = sqrt(5), and the bias rule), drawn from the generator given, so a
// seed reproduces a model. Computed by autograd::linear, one op: the product with the bias added as
// it is written, and the activation after it too when a Sequential has one next (forward(x, act)).
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/random.hpp>

namespace nn {

class Linear : public Module {
public:
    Linear(std::int64_t in_features, std::int64_t out_features, autograd::Generator& gen, bool bias = true,
           autograd::Dtype dtype = autograd::Dtype::Float32);

    autograd::Tensor forward(const autograd::Tensor& input) override;
    /// act(forward(input)) as one op (autograd::linear with an activation): what Sequential runs
    /// for a Linear followed by ReLU, Sigmoid or Tanh.
    autograd::Tensor forward(const autograd::Tensor& input, autograd::Activation act);
    std::string type_name() const override { return "Linear"; }
    std::string extra_repr() const override;

    const autograd::Tensor& weight() const { return weight_; }
    /// Undefined when built without a bias.
    const autograd::Tensor& bias() const { return bias_; }
    std::int64_t in_features() const { return in_; }
    std::int64_t out_features() const { return out_; }

private:
    std::int64_t in_, out_;
    autograd::Tensor weight_, bias_;
};

} // namespace nn
