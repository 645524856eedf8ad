// make_mlp: a tensor MLP from its layer sizes, the model the command-line tools train, evaluate
// and time.
//
//   autograd::Generator gen(0);
//   nn::Sequential model = nn::make_mlp({784, 128, 64, 10}, "relu", gen);
//   // Linear(784, 128), ReLU, Linear(128, 64), ReLU, Linear(64, 10): "0.weight", "0.bias", "2.weight", ...
//   std::vector<std::int64_t> sizes = nn::parse_sizes("784,128,64,10");   // a --layers option
//
// Activations by name: "relu", "leaky_relu" (slope 0.01), "sigmoid", "tanh"; after the last
// Linear, output_activation, "none" by default (logits, what cross_entropy takes).
#pragma once

#include "nn/modules/sequential.hpp"

#include <autograd/random.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace nn {

/// Linear(sizes[i], sizes[i + 1]) for each pair, `activation` between them, `output_activation`
/// after the last ("none": nothing). Weights drawn from gen in layer order, as the loop written out
/// would draw them. Throws std::invalid_argument for fewer than 2 sizes, a size below 1 or an
/// unknown activation name, naming it and the names known.
Sequential make_mlp(std::span<const std::int64_t> sizes, std::string_view activation, autograd::Generator& gen,
                    std::string_view output_activation = "none");
inline Sequential make_mlp(std::initializer_list<std::int64_t> sizes, std::string_view activation,
                           autograd::Generator& gen, std::string_view output_activation = "none")
{
    return make_mlp(std::span<const std::int64_t>(sizes.begin(), sizes.size()), activation, gen, output_activation);
}

/// "784,128,10" -> {784, 128, 10}. Throws std::invalid_argument quoting the text and the item
/// that is not a whole number >= 1 (spaces around items are allowed).
std::vector<std::int64_t> parse_sizes(std::string_view text);

} // namespace nn
