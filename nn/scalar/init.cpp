#include "nn/scalar/init.hpp"

#include "nn/scalar/activation.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nn {

double xavier_uniform_bound(std::size_t fan_in, std::size_t fan_out, double gain)
{
    return gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
}

double xavier_normal_std(std::size_t fan_in, std::size_t fan_out, double gain)
{
    return gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
}

double Init::draw(autograd::Generator& gen, std::size_t fan_in, std::size_t fan_out) const
{
    switch (kind) {
    case Kind::XavierUniform: {
        const double a = xavier_uniform_bound(fan_in, fan_out, gain);
        return gen.uniform(-a, a);
    }
    case Kind::XavierNormal: return gen.normal(0.0, xavier_normal_std(fan_in, fan_out, gain));
    case Kind::Uniform: break;
    }
    return gen.uniform(low, high);
}

Init parse_init(std::string_view name)
{
    if (name == "uniform")
        return Init::uniform(-1.0, 1.0);
    if (name == "xavier_uniform")
        return Init::xavier_uniform();
    if (name == "xavier_normal")
        return Init::xavier_normal();
    throw std::invalid_argument("parse_init: unknown initialisation '" + std::string(name) +
                                "' (expected uniform, xavier_uniform or xavier_normal)");
}

std::string_view to_string(Activation a)
{
    switch (a) {
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Relu: return "relu";
    case Activation::Linear: break;
    }
    return "linear";
}

Activation parse_activation(std::string_view name)
{
    for (Activation a : {Activation::Linear, Activation::Sigmoid, Activation::Tanh, Activation::Relu})
        if (name == to_string(a))
            return a;
    throw std::invalid_argument("parse_activation: unknown activation '" + std::string(name) +
                                "' (expected linear, sigmoid, tanh or relu)");
}

} // namespace nn
