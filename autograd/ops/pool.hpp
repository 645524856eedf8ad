// 2-d pooling, as torch.nn.functional.max_pool2d and avg_pool2d. Included by autograd.hpp.
//
//   Tensor y = max_pool2d(x, 2);            // x [N, C, H, W] -> [N, C, H/2, W/2]
//   Tensor y = max_pool2d(x, 3, 2, 1);      // kernel 3, stride 2, padding 1
//   Tensor y = avg_pool2d(x, {2, 3});       // kernel 2x3, stride = kernel
//
// Output [N, C, OH, OW] (or [C, OH, OW] for an unbatched [C, H, W] input) with
// OH = (H + 2 padding - dilation (kH - 1) - 1) / stride + 1, rounded down; likewise OW. With
// ceil_mode rounded up instead, keeping a last window that runs past the input as long as it starts
// inside the input or its left padding (PyTorch's rule); an average over such a window divides by
// the part of it inside the padded input.
// Gradients to any order: max_pool2d's backward scatters g to the positions its forward chose
// (max_pool2d_backward), whose own backward gathers from the same positions; avg_pool2d's backward
// (avg_pool2d_backward) spreads g over each window, and its backward is avg_pool2d again.
#pragma once

#include "autograd/ops/size2.hpp"

#include <cstdint>
#include <optional>
#include <utility>

namespace autograd {

class Tensor;

/// The largest element of each window (padding never wins: it is -inf). The gradient goes to the
/// first largest element of the window in row-major order (PyTorch's rule for ties); a NaN is the
/// largest. stride defaults to the kernel. Throws std::invalid_argument naming max_pool2d and the
/// shape for a non-positive kernel, stride or dilation, padding more than half the kernel, or an
/// input too small for one window.
Tensor max_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  Size2 dilation = 1, bool ceil_mode = false);

/// max_pool2d and, as torch's return_indices=True, where each maximum came from: an int64 tensor
/// of the output's shape holding the flat index within its input plane (row * W + column), the
/// first of tied maxima, the last NaN of a window (PyTorch's choices). The indices record no
/// gradient; max_unpool2d takes them. Errors as max_pool2d's, naming max_pool2d_with_indices.
/// NOTE: a window with no input element (only with dilation: kernel 2, dilation 5, padding 1 on
/// 4 rows reads rows -1 and 4) gives -inf and index -1, where PyTorch gives an index past the
/// plane (20 for a 4x4 plane), which no valid index could be; max_unpool2d refuses either.
///   auto [y, at] = max_pool2d_with_indices(x, 2);   // at[n, c, i, j] in [0, H W)
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel,
                                                  std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                                                  Size2 dilation = 1, bool ceil_mode = false);

/// The mean of each window. count_include_pad (PyTorch's default, true) divides by the whole
/// window, padding included; false by the number of input elements in it. Errors as max_pool2d's.
/// NOTE: count_include_pad comes before ceil_mode here, the other way round from PyTorch's
/// avg_pool2d: it was the first of the two, and swapping two bools would silently change callers.
Tensor avg_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  bool count_include_pad = true, bool ceil_mode = false);

} // namespace autograd
