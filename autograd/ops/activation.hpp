// The activations an op can apply in the same pass as its product: linear's (ops/matmul.hpp) and
// conv2d's (ops/conv.hpp). nn::Sequential passes a Linear's or Conv2d's following ReLU, Sigmoid or
// Tanh module to them this way. Included by both headers.
//
//   Tensor h = linear(x, W, b, Activation::Relu);                    // relu(x W^T + b), one op
//   Tensor c = conv2d(x, w, b, 1, 0, 1, 1, Activation::Tanh);        // tanh(conv2d(x, w, b)), one op
#pragma once

#include <cstdint>

namespace autograd {

enum class Activation : std::uint8_t { None, Relu, Sigmoid, Tanh };

} // namespace autograd
