// Activation functions of neurons, by name (the tutorial's sigmoid first among them).
//
//   nn::Activation f = nn::parse_activation("sigmoid");      // from an option's text
//   autograd::Value y = nn::activate(f, z);                  // sigmoid(z)
#pragma once

#include <autograd/value.hpp>

#include <string_view>

namespace nn {

enum class Activation { Linear, Sigmoid, Tanh, Relu };

/// f(z) for a neuron's weighted sum z. Linear is the identity (no node is added).
inline autograd::Value activate(Activation a, const autograd::Value& z)
{
    switch (a) {
    case Activation::Sigmoid: return autograd::sigmoid(z);
    case Activation::Tanh: return autograd::tanh(z);
    case Activation::Relu: return autograd::relu(z);
    case Activation::Linear: break;
    }
    return z;
}

std::string_view to_string(Activation a);
/// "linear", "sigmoid", "tanh" or "relu"; throws std::invalid_argument naming the bad name.
Activation parse_activation(std::string_view name);

} // namespace nn
