// Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1-p),
// so the expected value is unchanged; in evaluation (module.eval()) it is the identity
// (torch.nn.Dropout). The masks come from the generator given, so a seed reproduces a run.
//
//   nn::Sequential model{nn::Linear(784, 256, gen), nn::ReLU(), nn::Dropout(0.5, gen), nn::Linear(256, 10, gen)};
//   model.train();                                 // (the default) a new mask at every forward
//   model.eval();                                  // for testing: Dropout passes x through
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/random.hpp>

namespace nn {

class Dropout : public Module {
public:
    Dropout(double p, autograd::Generator& gen);

    autograd::Tensor forward(const autograd::Tensor& x) override;
    std::string type_name() const override { return "Dropout"; }
    std::string extra_repr() const override;

private:
    double p_;
    autograd::Generator* gen_;
};

/// Dropout2d: in training, zeroes whole channels x[n, c, :, :] of x [N, C, H, W] with
/// probability p and scales the rest by 1/(1-p) (torch.nn.Dropout2d); the identity in evaluation.
class Dropout2d : public Module {
public:
    Dropout2d(double p, autograd::Generator& gen);

    autograd::Tensor forward(const autograd::Tensor& x) override;
    std::string type_name() const override { return "Dropout2d"; }
    std::string extra_repr() const override;

private:
    double p_;
    autograd::Generator* gen_;
};

} // namespace nn
