#include "nn/modules/linear.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

Linear::Linear(std::int64_t in_features, std::int64_t out_features, autograd::Generator& gen, bool bias,
               autograd::Dtype dtype)
    : in_(in_features), out_(out_features)
{
    if (in_features <= 0 || out_features <= 0)
        throw std::invalid_argument(
            fmt::format("Linear: in_features and out_features must be positive (got {} and {})", in_features, out_features));
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    weight_ = register_parameter("weight", Tensor::rand({out_features, in_features}, gen, -bound, bound, dtype));
    if (bias)
        bias_ = register_parameter("bias", Tensor::rand({out_features}, gen, -bound, bound, dtype));
}

Tensor Linear::forward(const Tensor& input) { return forward(input, autograd::Activation::None); }

Tensor Linear::forward(const Tensor& input, autograd::Activation act)
{
    if (input.dim() < 1 || input.shape().back() != in_)
        throw std::invalid_argument(fmt::format("Linear({}, {}): input of shape {} does not end in {} features", in_, out_,
                                                autograd::to_string(input.shape()), in_));
    return autograd::linear(input, weight_, bias_, act);
}

std::string Linear::extra_repr() const
{
    return fmt::format("in_features={}, out_features={}, bias={}", in_, out_, bias_.defined() ? "True" : "False");
}

} // namespace nn
