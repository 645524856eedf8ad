// More tensor math: elementwise functions beyond the basics, max/min/var/std reductions,
// softmax and log_softmax, comparisons, where, one_hot. Included by tensor.hpp.
//
//   Tensor logits = matmul(x, w) + b;                          // [batch, classes]
//   Tensor loss = -(log_softmax(logits, 1) * one_hot(labels, 10)).sum(1).mean();
//   Tensor correct = eq(argmax(logits, 1), Tensor(targets, {batch})).mean();  // accuracy
//   Tensor y = where(gt(x, 0.0), x, 0.1 * x);                  // leaky_relu by hand
//
// Semantics are PyTorch's (1.13), gradients included:
// - abs has gradient sign(x), 0 at 0; clamp passes the gradient where min <= x <= max
//   (inclusive) and 0 elsewhere; leaky_relu's gradient at 0 is the slope.
// - max/min over all elements split the gradient evenly among tied maxima; over an axis the
//   gradient goes to the element argmax/argmin returns (the first of ties). NaN propagates.
// - argmax/argmin and the comparisons are not differentiable: they return plain tensors (no
//   gradient, requires_grad() false) of the input's dtype holding integral values (indices, or 0
//   and 1). Tensors hold floating point in this version, so indices are exact up to 2^24 in
//   float32 (2^53 in float64); index_select and gather accept such tensors as indices.
// - where's condition selects by value != 0 and takes no gradient; its dtype may differ from
//   a's and b's (a and b must share one).
#pragma once

#include "autograd/dtype.hpp"
#include "autograd/shape.hpp"
#include "autograd/tensor.hpp" // for the inline overload; tensor.hpp includes this file at its end

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

namespace autograd {

class Tensor;

// Elementwise.

/// sqrt(x); gradient g / (2 sqrt(x)) (inf at 0, as PyTorch).
Tensor sqrt(const Tensor& x);
/// |x|; gradient g * sign(x), 0 at x == 0.
Tensor abs(const Tensor& x);
/// x where x > 0, slope * x elsewhere.
Tensor leaky_relu(const Tensor& x, double slope = 0.01);
/// min(max(x, min), max); either bound may be absent (not both). With min > max every element
/// becomes max, as in PyTorch.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
/// x^exponent elementwise with broadcasting, both differentiable. As PyTorch: d/dx is 0 where
/// the exponent is 0, d/dexponent = x^e ln x is 0 where x == 0 and e >= 0.
Tensor pow(const Tensor& x, const Tensor& exponent);

// Reductions. Over all elements the result is 0-d; over an axis (negative counts from the end)
// the axis is removed, or kept with size 1 under keepdim.

/// The largest element (NaN if any is NaN).
Tensor max(const Tensor& x);
/// The largest element along `axis` (the values of torch.max(x, axis); argmax gives the indices).
Tensor max(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Row-major flat index of the first largest element, as a 0-d tensor (no gradient).
Tensor argmax(const Tensor& x);
/// Index along `axis` of the first largest element (no gradient).
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim = false);

/// The divisor of var and std is n - correction (PyTorch's `correction`): 1, the default, is the
/// unbiased estimate (Bessel's correction, torch's unbiased=True); 0 the population variance
/// (unbiased=False). Pass it as Correction{0}. A divisor <= 0 gives inf or NaN, as in PyTorch.
struct Correction {
    std::int64_t value = 1;
};
/// sum((x - mean(x))^2) / (n - correction); gradient 2 (x - mean) / (n - correction).
Tensor var(const Tensor& x, Correction correction = {});
Tensor var(const Tensor& x, std::int64_t axis, bool keepdim = false, Correction correction = {});
/// sqrt(var(x)). Call it as autograd::std: a bare std(x) collides with namespace std.
Tensor std(const Tensor& x, Correction correction = {});
Tensor std(const Tensor& x, std::int64_t axis, bool keepdim = false, Correction correction = {});

// Normalisation along an axis, computed after subtracting the maximum so that no exp overflows.

/// exp(x) / sum(exp(x)) along `axis`.
Tensor softmax(const Tensor& x, std::int64_t axis);
/// x - log(sum(exp(x))) along `axis`, without forming softmax: finite for any finite x
/// (log_softmax([1e4, 0]) is [0, -1e4]). The stable base of cross-entropy.
Tensor log_softmax(const Tensor& x, std::int64_t axis);

/// Row i has a 1 in column labels[i]: shape [labels.size(), num_classes] of `dtype`. With
/// num_classes -1 (PyTorch's default) it is the largest label + 1. A label outside
/// [0, num_classes) throws std::out_of_range.
Tensor one_hot(const std::vector<std::int64_t>& labels, std::int64_t num_classes = -1, Dtype dtype = Dtype::Float32);
inline Tensor one_hot(std::initializer_list<std::int64_t> labels, std::int64_t num_classes = -1,
                      Dtype dtype = Dtype::Float32) // one_hot({0}, 3) would be ambiguous without it
{
    return one_hot(std::vector<std::int64_t>(labels), num_classes, dtype);
}
/// The same with labels as a tensor of integral values: shape labels.shape() + [num_classes], in
/// the labels' dtype.
Tensor one_hot(const Tensor& labels, std::int64_t num_classes = -1);

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

} // namespace autograd
