// Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1-p),
// so the expected value is unchanged; in evaluation (module.eval()) it is the identity
// (torch.nn.Dropout). The masks come from the generator given, so a seed reproduces a run.
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

} // namespace nn
