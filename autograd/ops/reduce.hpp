// Reductions of tensors: sum, mean, max/min and their indices, var and std, logsumexp, prod, and
// the running sum cumsum. Included by tensor.hpp.
//
//   Tensor loss = ((y - target) * (y - target)).mean();     // 0-d
//   Tensor per_row = sum(x, 1);                              // [N, C] -> [N]
//   Tensor peak = max(logits, 1, true);                      // [N, C] -> [N, 1]
//   Tensor correct = eq(argmax(logits, 1), labels).sum();    // int64 labels: an int64 count
//   Tensor spread = autograd::std(x, 0, false, Correction{0});
//
// Over all elements the result is 0-d; over an axis (negative counts from the end) the axis is
// removed, or kept with size 1 under keepdim. A 0-d tensor has the one axis 0 (or -1), as in
// PyTorch. Semantics are PyTorch's (1.13), gradients included:
// - max/min over all elements split the gradient evenly among tied maxima; over an axis the
//   gradient goes to the element argmax/argmin returns (the first of ties). NaN propagates.
// - argmax/argmin are not differentiable: they return int64 tensors, as PyTorch's.
// - Integer (int64 or bool) inputs: sum gives int64, as PyTorch's; max, min, argmax and argmin
//   work on them too. mean, var, std, prod, cumsum and logsumexp compute in floating point only
//   and throw for them (convert with .to(Dtype::Float32)); PyTorch refuses mean of int64 too.
#pragma once

#include "autograd/shape.hpp"

#include <cstdint>

namespace autograd {

class Tensor;

/// Sum of all elements (0-d), or over one axis.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Sum over several axes at once (torch.sum(x, dim=(0, 2))), in any order, none twice. An empty
/// list is refused (PyTorch's dim=[] would sum every element: call sum(x) for that).
Tensor sum(const Tensor& x, const Shape& axes, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Mean over several axes, as sum over several axes (none of them may be empty).
Tensor mean(const Tensor& x, const Shape& axes, bool keepdim = false);
/// Product of all elements (0-d; 1 for an empty tensor), or along one axis; accumulated in
/// double. Gradient as PyTorch's, exact where x has zeros: each element gets the product of the
/// others (no division), and so do second derivatives.
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Running sums along `axis`: y_k = x_0 + ... + x_k (torch.cumsum); accumulated in double.
Tensor cumsum(const Tensor& x, std::int64_t axis);

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

/// log(sum(exp(x))) along `axis`, computed stably (the largest element is taken out first; an
/// axis of -inf only, or an empty one, gives -inf). Gradient g * softmax(x) along the axis.
Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdim = false);
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

} // namespace autograd
