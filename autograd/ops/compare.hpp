// Comparisons, selection by a mask (where) and one-hot rows: the ops that make and use masks.
// Included by tensor.hpp.
//
//   Tensor y = where(gt(x, 0.0), x, 0.1 * x);                  // leaky_relu by hand
//   Tensor correct = eq(argmax(logits, 1), labels).sum();      // int64 count of right answers
//   Tensor targets = one_hot({2, 0, 1}, 3);                    // [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
//
// Semantics are PyTorch's (1.13):
// - The comparisons and one_hot are not differentiable: they return plain tensors (no gradient,
//   requires_grad() false) holding 0 and 1, in the dtype their operands promote to (int64 for two
//   integer operands; float for a float one), not torch.bool: code multiplies by masks.
// - where's condition selects by value != 0 and takes no gradient; its dtype may differ from
//   a's and b's. a and b promote as binary ops do (int64 with float32 gives float32).
#pragma once

#include "autograd/dtype.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace autograd {

class Tensor;

// Comparisons with broadcasting: 1 where the relation holds, 0 elsewhere, in the inputs' dtype
// (which must agree); no gradient. NaN compares unequal to everything, itself included.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);

/// a where cond != 0, b elsewhere; the three broadcast together. The gradient flows to a where
/// cond holds and to b where it does not (summed to their shapes); none to cond.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

/// Row i has a 1 in column labels[i]: shape [labels.size(), num_classes] of `dtype`. With
/// num_classes -1 (PyTorch's default) it is the largest label + 1. A label outside
/// [0, num_classes) throws std::out_of_range.
Tensor one_hot(const std::vector<std::int64_t>& labels, std::int64_t num_classes = -1, Dtype dtype = Dtype::Float32);
/// The same from a braced list: one_hot({0}, 3) would be ambiguous without it.
Tensor one_hot(std::initializer_list<std::int64_t> labels, std::int64_t num_classes = -1, Dtype dtype = Dtype::Float32);
/// The same with labels as a tensor: shape labels.shape() + [num_classes], in the labels' dtype.
/// int64 labels give int64, as torch.nn.functional.one_hot; float labels holding integers are
/// still accepted (labels were float tensors before int64 existed) and give their float dtype.
Tensor one_hot(const Tensor& labels, std::int64_t num_classes = -1);

} // namespace autograd
