// Matrix products through BLAS (OpenBLAS's sgemm/dgemm): matmul, and the fused linear layer.
// Included by tensor.hpp.
//
//   Tensor h = matmul(x, w);          // [n, k] x [k, m] -> [n, m]
//   Tensor y = linear(x, W, b);       // x W^T + b, as torch.nn.Linear: W is [out, in]
//   Tensor s = matmul(q, k.transpose(1, 2));  // batched: [b, n, d] x [b, d, n] -> [b, n, n]
//
// Transposed operands reach BLAS as flags, in the forward and the backward alike (no copies).
#pragma once

namespace autograd {

class Tensor;

/// Matrix product, as torch.matmul for up to 3 dimensions: [n, k] x [k, m] -> [n, m];
/// a 1-d left operand is a row, a 1-d right operand a column (both give a 1-d or 0-d result);
/// [b, n, k] x [b, k, m] -> [b, n, m], and a 2-d operand is shared by every batch.
Tensor matmul(const Tensor& a, const Tensor& b);

/// y = x W^T + b, PyTorch's F.linear (and what torch.nn.Linear computes): x is [..., in], W is
/// [out, in], the optional bias [out] (an undefined tensor for none); y is [..., out]. One fused
/// op: cheaper than matmul + add.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
/// The same without a bias.
Tensor linear(const Tensor& x, const Tensor& weight);

} // namespace autograd
