// 2-d convolution, as torch.nn.functional.conv2d (cross-correlation, NCHW). Included by
// autograd.hpp.
//
//   Tensor y = conv2d(x, w, b);                    // x [N, C, H, W], w [O, C, kH, kW], b [O]
//   Tensor y = conv2d(x, w, b, 2, 1);              // stride 2, padding 1
//   Tensor y = conv2d(x, w, Tensor(), 1, 0, 1, 2); // no bias, 2 groups: w is [O, C/2, kH, kW]
//   Tensor y = conv2d(x, w, b, 1, ConvPadding::Same); // output H x W, as torch's padding='same'
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

/// Padding by rule, as torch's padding='valid' and padding='same'.
enum class ConvPadding {
    Valid, ///< none: the output shrinks by dilation (k - 1)
    Same,  ///< the output as large as the input (stride 1 only)
};
/// "valid" or "same", as PyTorch prints them.
const char* to_string(ConvPadding padding);

/// conv2d with the padding its rule gives. Same pads dilation (k - 1) in each dimension, half
/// on each side; when that is odd, the extra row (column) goes at the bottom (right), as in
/// PyTorch. Same with a stride other than 1 throws std::invalid_argument, PyTorch's error.
/// NOTE: the odd case runs the symmetric conv2d above with the larger half on both sides and
/// slices off the first output row (column): one row of extra work, and no geometry of its own.
/// act: a fused activation, as above.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, ConvPadding padding,
              Size2 dilation = 1, std::int64_t groups = 1, Activation act = Activation::None);

} // namespace autograd
