// Tensor ops that rearrange elements without choosing among them: permutation, (un)squeezing,
// expansion and broadcasting, reversal (flip), copying (clone), and the sum back to a
// broadcast's shape. reshape, flatten, transpose and to (dtype conversion) are members of
// Tensor (tensor.hpp). Included by tensor.hpp.
//
//   Tensor x = Tensor::arange(0, 6).reshape({2, 3});   // [[0, 1, 2], [3, 4, 5]]
//   x.permute({1, 0}).unsqueeze(0).expand({4, -1, -1}); // shape [4, 3, 2]
//   broadcast_to(bias, Shape{8, 3});                    // [3] -> [8, 3]
//   sum_to(grad, Shape{3});                             // [8, 3] -> [3]: broadcast_to's gradient
//
// Semantics are PyTorch's. In this version every result is a fresh contiguous tensor, except
// reshape, squeeze and unsqueeze, which share the storage.
#pragma once

#include "autograd/shape.hpp"

#include <cstdint>
#include <span>

namespace autograd {

class Tensor;

/// The axes of `x` in the order `dims` gives: result axis i is input axis dims[i]
/// (negative counts from the end). torch.permute.
Tensor permute(const Tensor& x, const Shape& dims);

/// `x` without its size-1 dimensions (a 0-d tensor stays 0-d).
Tensor squeeze(const Tensor& x);
/// `x` without dimension `axis` if its size is 1; otherwise `x` unchanged (as in PyTorch).
Tensor squeeze(const Tensor& x, std::int64_t axis);
/// `x` with a new size-1 dimension at `axis`, in [-dim - 1, dim] (negative counts from the end
/// of the result's axes: unsqueeze(x, -1) appends).
Tensor unsqueeze(const Tensor& x, std::int64_t axis);

/// `x` repeated along its size-1 dimensions (and new leading ones) to `shape`; -1 keeps a
/// dimension's size. A copy in this version. torch.Tensor.expand.
Tensor expand(const Tensor& x, const Shape& shape);

/// `x` tiled: reps[i] copies along dimension i, with reps.size() >= x.dim() (new leading dimensions
/// for the extra ones); reps >= 0. torch.Tensor.repeat ([2, 3] repeated {2, 1, 2} is [2, 2, 6]).
/// Composed of reshape, expand and reshape, so the gradient is the sum over the copies.
Tensor repeat(const Tensor& x, const Shape& reps);
/// repeat, with fewer reps than dimensions allowed (1s prepended, as torch.tile).
Tensor tile(const Tensor& x, const Shape& reps);
/// `x` stretched to `shape` by broadcasting (a copy in this version).
Tensor broadcast_to(const Tensor& x, std::span<const std::int64_t> shape);
/// A copy of `x` with storage of its own, in the graph (torch.clone): the gradient passes through.
Tensor clone(const Tensor& x);
/// `x` with the order of its elements reversed along each axis of `dims` (negative counts from
/// the end; an axis may not appear twice). torch.flip.
Tensor flip(const Tensor& x, const Shape& dims);
/// Sums `x` down to `shape` over the dimensions broadcasting added or stretched (the backward of
/// a broadcast).
Tensor sum_to(const Tensor& x, std::span<const std::int64_t> shape);

} // namespace autograd
