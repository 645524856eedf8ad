// Tensor ops that select and join elements: slicing, indexing by position, gathering,
// concatenation and stacking, and splitting (split, chunk, unbind: one node with an output per
// part). Included by tensor.hpp.
//
//   Tensor x = Tensor::arange(0, 6).reshape({2, 3});   // [[0, 1, 2], [3, 4, 5]]
//   slice(x, 1, 1, 3);                                  // x[:, 1:3]     -> [[1, 2], [4, 5]]
//   index_select(x, 1, {2, 0});                         // x[:, [2, 0]]  -> [[2, 0], [5, 3]]
//   gather(x, 1, {0, 0, 2, 1}, {2, 2});                 // -> [[0, 0], [5, 4]]
//   autograd::concat({x, x}, 0);                        // shape [4, 3]
//
// Semantics are PyTorch's. In this version every result is a fresh contiguous tensor. Each op's
// backward is made of recorded ops too (slice's backward pads into zeros, and that op's backward
// is slice again; index_select's and gather's are scatter-adds whose backward is index_select and
// gather), so gradients of gradients work through all of them.
//
// Indices are integers: a std::vector<std::int64_t>, or an int64 Tensor (as argmax gives them;
// a floating-point tensor of integral values is accepted too, as before int64 existed). As in PyTorch, an
// index must lie in [0, size): negative indices are out of range, and an out-of-range index throws
// std::out_of_range naming the op, the index and the size. Slice bounds, in contrast, follow
// Python slicing: negative counts from the end, and out-of-range bounds are clamped.
#pragma once

#include "autograd/shape.hpp"

#include <concepts>
#include <cstdint>
#include <vector>

namespace autograd {

class Tensor;

/// x[start:end:step] along `axis`, as Python slices it: negative bounds count from the end,
/// bounds past either end are clamped (so the result may be empty), and step must be positive.
/// For "to the end", pass an `end` of at least the size (std::numeric_limits<std::int64_t>::max()).
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step = 1);

/// The entries `indices` of `x` along `axis`, in that order (repeats allowed):
/// result[..., k, ...] = x[..., indices[k], ...]. torch.index_select.
Tensor index_select(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& indices);
namespace detail {
Tensor index_select_by_tensor(const Tensor& x, std::int64_t axis, const Tensor& indices);
}
/// The same with the indices in a 0-d or 1-d tensor: int64 (torch's), or floating point holding
/// integers (accepted for code written before int64 tensors).
/// NOTE: a template only so that a braced list, index_select(x, 0, {1}), still means the vector
/// form: as a plain `const Tensor&` overload the call would be ambiguous ({1} could also build a
/// Tensor through its pointer constructor), and braced lists deduce no template argument.
template <std::same_as<Tensor> T> Tensor index_select(const Tensor& x, std::int64_t axis, const T& indices)
{
    return detail::index_select_by_tensor(x, axis, indices);
}

/// Picks along `axis` by an index of x's number of dimensions: with axis 1 of a 3-d x,
/// result[i][j][k] = x[i][index[i][j][k]][k]. The result has the index's shape, which may be
/// smaller than x's in every dimension (and any size along `axis`). torch.gather.
/// The index is an int64 tensor (or, for compatibility with code from before int64 tensors, a
/// floating-point one holding integers; anything else throws)...
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);
/// ... or its row-major values and its shape.
Tensor gather(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& index, const Shape& index_shape);

// NOTE: a braced list of tensors gives argument-dependent lookup nothing to go by: outside the
// namespace write autograd::concat({a, b}) (or `using autograd::concat;`), likewise stack.

/// The tensors joined along an existing `axis`; they share one number of dimensions (at least 1)
/// and every size except along `axis`. torch.cat: mixed dtypes join in their promotion
/// (promote_types: int64 with float32 gives float32; float32 with float64 is refused).
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis = 0);
/// concat's inverses, as views would be in PyTorch but copies here: slices of `x` along `axis`
/// (negative counts from the end), all made by one node (grad_fn "split", or "unbind"), whose
/// backward puts the parts' gradients back side by side (zeros for a part that received none).
/// split: parts of `size` (> 0) elements, the last one smaller if the size along the axis is not
/// a multiple. torch.split with an int.
/// NOTE: split(x, {2}) is this overload (a size of 2), not the sizes one: use split_with_sizes.
std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis = 0);
/// Parts of the given sizes (>= 0), which must add up to the size along `axis`.
/// torch.split with a list, torch.split_with_sizes.
std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis = 0);
/// `chunks` (> 0) parts of ceil(size / chunks) elements: split by that size, so fewer parts come
/// back when they run out first (torch.chunk: 6 elements in 4 chunks give 3 parts of 2).
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis = 0);
/// The slices of `x` along `axis` without that axis: stack's inverse. torch.unbind.
std::vector<Tensor> unbind(const Tensor& x, std::int64_t axis = 0);
/// The tensors, all of one shape, joined along a new `axis` in [-dim - 1, dim]. torch.stack;
/// mixed dtypes promote as concat's.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis = 0);

} // namespace autograd
