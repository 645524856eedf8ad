// Weight initialisation: uniform, and Xavier/Glorot uniform and normal, seeded and reproducible.
//
// Xavier (Glorot & Bengio, 2010) scales the initial weights by the layer's fan-in and fan-out so
// that activations and gradients keep their variance from layer to layer, which keeps sigmoid
// units out of saturation at the start (the first tutorial's reason for it):
//   uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))
//   normal:  N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))
// These rules for the scalar engine's layers; nn/modules/init.hpp applies them (and Kaiming's) to
// tensors in place, as torch.nn.init does.
#pragma once

#include <autograd/random.hpp>

#include <cstddef>
#include <string_view>

namespace nn {

struct Init {
    enum class Kind { Uniform, XavierUniform, XavierNormal };
    Kind kind = Kind::Uniform;
    double low = -1.0; // Uniform's range (micrograd's default)
    double high = 1.0;
    double gain = 1.0; // Xavier's gain: 1 for sigmoid and linear, 5/3 for tanh, sqrt(2) for relu

    static Init uniform(double low, double high) { return {Kind::Uniform, low, high, 1.0}; }
    static Init xavier_uniform(double gain = 1.0) { return {Kind::XavierUniform, -1.0, 1.0, gain}; }
    static Init xavier_normal(double gain = 1.0) { return {Kind::XavierNormal, -1.0, 1.0, gain}; }

    /// One weight of a layer with the given fans.
    double draw(autograd::Generator& gen, std::size_t fan_in, std::size_t fan_out) const;
};

double xavier_uniform_bound(std::size_t fan_in, std::size_t fan_out, double gain = 1.0);
double xavier_normal_std(std::size_t fan_in, std::size_t fan_out, double gain = 1.0);

/// "uniform", "xavier_uniform" or "xavier_normal"; throws std::invalid_argument otherwise.
Init parse_init(std::string_view name);

} // namespace nn
