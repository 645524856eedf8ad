// Matrix products: matmul, and the linear layer, fused with the activation after it when the
// caller names one. Included by tensor.hpp. Which library runs them: autograd/matmul_backend.hpp.
//
//   Tensor h = matmul(x, w);          // [n, k] x [k, m] -> [n, m]
//   Tensor y = linear(x, W, b);       // x W^T + b, as torch.nn.Linear: W is [out, in]
//   Tensor s = matmul(q, k.transpose(1, 2));  // batched: [b, n, d] x [b, d, n] -> [b, n, n]
//   Tensor h = linear(x, W, b, Activation::Relu);   // relu(x W^T + b) in one pass (nn::Sequential's
//                                                   // Linear followed by ReLU runs this)
//
// Transposed operands reach the library as flags, in the forward and the backward alike (no copies).
#pragma once

#include "autograd/ops/activation.hpp"

#include <cstdint>

namespace autograd {

class Tensor;

/// Matrix product, as torch.matmul: [n, k] x [k, m] -> [n, m]; a 1-d left operand is a row, a
/// 1-d right operand a column (the added dimension removed from the result: 1-d or 0-d for two
/// 1-d operands); with more dimensions, the leading (batch) ones broadcast as elementwise ops do:
/// [b, n, k] x [b, k, m] -> [b, n, m], [1, n, k] x [4, k, m] -> [4, n, m],
/// [2, 1, n, k] x [5, k, m] -> [2, 5, n, m], and a 2-d operand is shared by every batch. The
/// gradient of a broadcast operand is summed over the batches it was broadcast to. Throws
/// std::invalid_argument naming both shapes when the inner sizes or the batches disagree.
Tensor matmul(const Tensor& a, const Tensor& b);

/// y = x W^T + b, PyTorch's F.linear (and what torch.nn.Linear computes): x is [..., in], W is
/// [out, in], the optional bias [out] (an undefined tensor for none); y is [..., out]. One fused
/// op: cheaper than matmul + add.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
/// The same without a bias.
Tensor linear(const Tensor& x, const Tensor& weight);
/// act(x W^T + b) as one op (grad_fn "linear_relu", "linear_sigmoid" or "linear_tanh"): the same
/// values and gradients as relu(linear(x, W, b)) and so on, to rounding (the fused sigmoid and tanh
/// are the library's; they may differ from sigmoid() and tanh() in the last bit), without the
/// pre-activation tensor. Second derivatives work (create_graph recomputes the pre-activation).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Activation act);

} // namespace autograd
