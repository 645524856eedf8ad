// Normalisation along an axis: softmax and log_softmax, computed after subtracting the maximum
// so that no exp overflows. Included by tensor.hpp.
//
//   Tensor logits = matmul(x, w) + b;                                  // [batch, classes]
//   Tensor p = softmax(logits, 1);                                     // rows sum to 1
//   Tensor loss = -(log_softmax(logits, 1) * one_hot(labels, 10)).sum(1).mean();
//
// A 0-d tensor has the one axis 0 (or -1), as in PyTorch.
#pragma once

#include <cstdint>

namespace autograd {

class Tensor;

/// exp(x) / sum(exp(x)) along `axis`.
Tensor softmax(const Tensor& x, std::int64_t axis);
/// x - log(sum(exp(x))) along `axis`, without forming softmax: finite for any finite x
/// (log_softmax([1e4, 0]) is [0, -1e4]). The stable base of cross-entropy.
Tensor log_softmax(const Tensor& x, std::int64_t axis);

} // namespace autograd
