#include "nn/modules/sequential.hpp"

#include <string>

namespace nn {

void Sequential::push_back(std::shared_ptr<Module> module)
{
    layers_.push_back(register_module(std::to_string(layers_.size()), std::move(module)));
}

autograd::Tensor Sequential::forward(const autograd::Tensor& input)
{
    autograd::Tensor x = input;
    for (const auto& layer : layers_)
        x = layer->forward(x);
    return x;
}

} // namespace nn
