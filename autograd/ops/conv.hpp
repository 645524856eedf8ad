// 2-d convolution, as torch.nn.functional.conv2d (cross-correlation, NCHW). Included by
// autograd.hpp.
//
//   Tensor y = conv2d(x, w, b);                    // x [N, C, H, W], w [O, C, kH, kW], b [O]
//   Tensor y = conv2d(x, w, b, 2, 1);              // stride 2, padding 1
//   Tensor y = conv2d(x, w, Tensor(), 1, 0, 1, 2); // no bias, 2 groups: w is [O, C/2, kH, kW]
//
// Output [N, O, OH, OW] with OH = (H + 2 padding - dilation (kH - 1) - 1) / stride + 1 (rounded
// down), likewise OW. Computed as im2col and one matrix product per sample and group
// (cpu/gemm.hpp). Gradients for input, weight and bias, to any order: the backward ops
// (conv2d_backward_input, PyTorch's conv_transpose2d, and conv2d_backward_weight) are recorded
// and differentiable too.
#pragma once

#include "autograd/ops/activation.hpp"
#include "autograd/ops/size2.hpp"

#include <cstdint>

namespace autograd {

class Tensor;

/// y[n, o] = b[o] + sum over the channels c of o's group and the kernel (i, j) of
///   w[o, c, i, j] x[n, c, oh*stride.h - padding.h + i*dilation.h, ow*stride.w - padding.w + j*dilation.w]
/// (zero outside x). input [N, C, H, W] or unbatched [C, H, W]; weight [O, C/groups, kH, kW];
/// bias [O] or an undefined tensor for none. groups must divide C and O. Throws
/// std::invalid_argument naming conv2d and the shapes for any other input.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride = 1, Size2 padding = 0,
              Size2 dilation = 1, std::int64_t groups = 1);
/// The same without a bias.
Tensor conv2d(const Tensor& input, const Tensor& weight);
/// act(conv2d(...)) as one op (grad_fn "conv2d_relu", "conv2d_sigmoid" or "conv2d_tanh"): the
/// activation is applied in the same pass as the bias, so the pre-activation tensor is never made
/// (nn::Sequential runs a Conv2d followed by ReLU, Sigmoid or Tanh this way). The same values and
/// gradients as relu(conv2d(...)) and so on, to rounding (the fused sigmoid and tanh may differ in
/// the last bit); second derivatives work (create_graph recomputes the pre-activation).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
              Size2 dilation, std::int64_t groups, Activation act);

} // namespace autograd
