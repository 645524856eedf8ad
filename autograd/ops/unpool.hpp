// max_unpool2d, as torch.nn.functional.max_unpool2d: the partial inverse of max_pool2d. Included
// by autograd.hpp.
//
//   auto [y, at] = max_pool2d_with_indices(x, 2);        // x [N, C, 4, 4] -> y, at [N, C, 2, 2]
//   Tensor back = max_unpool2d(y, at, 2);                 // [N, C, 4, 4]: each maximum where it
//                                                         // came from, zeros elsewhere
//   Tensor odd = max_unpool2d(y, at, 2, std::nullopt, 0, Size2{5, 5});   // x was 5x5
//
// The output is [N, C, OH, OW] (or [C, OH, OW] for an unbatched input) with, by default,
// OH = (H - 1) stride - 2 padding + kernel, likewise OW: the size a max_pool2d of these settings
// maps to H x W. A pooling that dropped rows or columns (odd sizes, ceil_mode off) needs
// output_size, which must lie strictly between the default minus and plus the stride (PyTorch's
// rule). kernel, stride and padding serve only to compute that size; the indices say where each
// element goes.
// Gradients to any order: the op is linear in the input. Its backward (max_unpool2d_backward)
// gathers g at the indices; the gather's backward adds h back at them.
#pragma once

#include "autograd/ops/size2.hpp"

#include <optional>

namespace autograd {

class Tensor;

/// out[p, indices[p, o]] = input[p, o] for each plane p (one sample's channel) and position o,
/// 0 elsewhere; indices are flat within the output plane (row * OW + column), int64, of the
/// input's shape, as max_pool2d_with_indices returns them. Where two positions share an index the
/// later one (in row-major order) is kept, as PyTorch's CPU kernel does, and the gradient is
/// gathered for both (PyTorch's formula, exact only for distinct indices). stride defaults to the
/// kernel. Throws std::invalid_argument naming max_unpool2d and the shapes or values for: an input
/// not [N, C, H, W] or [C, H, W], indices not int64 or not of the input's shape, a non-positive
/// kernel or stride, negative padding, an output_size outside PyTorch's range or empty, and an
/// index outside the output plane.
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, Size2 kernel, std::optional<Size2> stride = std::nullopt,
                    Size2 padding = 0, std::optional<Size2> output_size = std::nullopt);

} // namespace autograd
