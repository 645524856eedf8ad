#include "nn/modules/sequential.hpp"
#include "nn/modules/activation.hpp"
#include "nn/modules/conv.hpp"
#include "nn/modules/linear.hpp"

#include <optional>
#include <string>
#include <typeinfo>

namespace nn {
namespace {

// The activation a module applies, if it is exactly one that autograd::linear and conv2d can fuse.
std::optional<autograd::Activation> fusable_activation(const Module& m)
{
    if (typeid(m) == typeid(ReLU))
        return autograd::Activation::Relu;
    if (typeid(m) == typeid(Sigmoid))
        return autograd::Activation::Sigmoid;
    if (typeid(m) == typeid(Tanh))
        return autograd::Activation::Tanh;
    return std::nullopt;
}

} // namespace

void Sequential::push_back(std::shared_ptr<Module> module)
{
    layers_.push_back(register_module(std::to_string(layers_.size()), std::move(module)));
}

autograd::Tensor Sequential::forward(const autograd::Tensor& input)
{
    autograd::Tensor x = input;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        Module& layer = *layers_[i];
        const bool linear = typeid(layer) == typeid(Linear), conv = typeid(layer) == typeid(Conv2d);
        if (i + 1 < layers_.size() && (linear || conv))
            if (const auto act = fusable_activation(*layers_[i + 1])) {
                x = linear ? static_cast<Linear&>(layer).forward(x, *act) : static_cast<Conv2d&>(layer).forward(x, *act);
                ++i; // the activation ran in the same op
                continue;
            }
        x = layer.forward(x);
    }
    return x;
}

} // namespace nn
