#include "nn/modules/dropout.hpp"

#include <autograd/ops/norm.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace nn {

using autograd::Tensor;

Dropout::Dropout(double p, autograd::Generator& gen) : p_(p), gen_(&gen)
{
    if (!(p >= 0.0 && p <= 1.0))
        throw std::invalid_argument(fmt::format("Dropout: p must be in [0, 1] (got {})", p));
}

// y = x * mask, mask = 1/(1-p) where a uniform draw is >= p, else 0; dx = g * mask (the mask is a
// constant of the graph). With p = 1 every element is dropped, as in PyTorch.
Tensor Dropout::forward(const Tensor& x)
{
    if (!is_training() || p_ == 0.0)
        return x;
    if (p_ == 1.0)
        return x * 0.0;
    // Made from a fresh random tensor, the mask records no graph of its own.
    const Tensor keep = autograd::ge(Tensor::rand(x.shape(), *gen_, 0.0, 1.0, x.dtype()), p_) * (1.0 / (1.0 - p_));
    return x * keep;
}

std::string Dropout::extra_repr() const { return fmt::format("p={}", p_); }

Dropout2d::Dropout2d(double p, autograd::Generator& gen) : p_(p), gen_(&gen)
{
    if (!(p >= 0.0 && p <= 1.0))
        throw std::invalid_argument(fmt::format("Dropout2d: p must be in [0, 1] (got {})", p));
}

Tensor Dropout2d::forward(const Tensor& x) { return autograd::dropout2d(x, p_, is_training(), *gen_); }

std::string Dropout2d::extra_repr() const { return fmt::format("p={}", p_); }

} // namespace nn
