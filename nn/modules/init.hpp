// Initialisation of tensor parameters in place, as torch.nn.init: seeded by the generator given,
// written without recording a graph, each returning the tensor.
//
//   nn::kaiming_uniform_(layer.weight(), gen, 0.0, nn::FanMode::FanIn, "relu");
//
// Fans follow PyTorch for a weight of shape [out, in, ...]: fan_in = in * (product of the rest),
// fan_out = out * (the same); Linear's weight is [out_features, in_features] as in PyTorch. The
// formulas (for the scalar engine's layers too) are those of nn/scalar/init.hpp:
//   xavier_uniform_  U(-a, a), a = gain sqrt(6 / (fan_in + fan_out))
//   xavier_normal_   N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))
//   kaiming_uniform_ U(-b, b), b = gain sqrt(3 / fan),  gain = calculate_gain(nonlinearity, a)
//   kaiming_normal_  N(0, s^2), s = gain / sqrt(fan)
#pragma once

#include <autograd/random.hpp>
#include <autograd/tensor.hpp>

#include <string_view>
#include <utility>

namespace nn {

enum class FanMode { FanIn, FanOut };

/// PyTorch's recommended gains: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
/// leaky_relu sqrt(2 / (1 + param^2)), selu 3/4. Throws std::invalid_argument for other names.
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
/// (fan_in, fan_out) of a tensor of 2 or more dimensions; throws std::invalid_argument for fewer
/// (so do the xavier and kaiming functions, naming themselves).
std::pair<double, double> fans(const autograd::Tensor& t);

/// U(a, b) and N(mean, std^2) in every element; a > b or std < 0 throws std::invalid_argument.
const autograd::Tensor& uniform_(const autograd::Tensor& t, autograd::Generator& gen, double a = 0.0, double b = 1.0);
const autograd::Tensor& normal_(const autograd::Tensor& t, autograd::Generator& gen, double mean = 0.0, double std = 1.0);
const autograd::Tensor& zeros_(const autograd::Tensor& t);
const autograd::Tensor& ones_(const autograd::Tensor& t);
const autograd::Tensor& xavier_uniform_(const autograd::Tensor& t, autograd::Generator& gen, double gain = 1.0);
const autograd::Tensor& xavier_normal_(const autograd::Tensor& t, autograd::Generator& gen, double gain = 1.0);
const autograd::Tensor& kaiming_uniform_(const autograd::Tensor& t, autograd::Generator& gen, double a = 0.0,
                                         FanMode mode = FanMode::FanIn, std::string_view nonlinearity = "leaky_relu");
const autograd::Tensor& kaiming_normal_(const autograd::Tensor& t, autograd::Generator& gen, double a = 0.0,
                                        FanMode mode = FanMode::FanIn, std::string_view nonlinearity = "leaky_relu");

} // namespace nn
