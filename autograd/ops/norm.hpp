// Normalisation, embedding lookup and channel dropout: torch.nn.functional's layer_norm,
// batch_norm, embedding and dropout2d.
//
//   Tensor y = layer_norm(x, {64}, gamma, beta);                       // x [N, 64]
//   Tensor z = batch_norm(img, running_mean, running_var, w, b, true);  // img [N, C, H, W]
//   Tensor e = embedding(Tensor({3, 0, 7}, {3}), table);                // rows 3, 0, 7 of table
//   Tensor d = dropout2d(img, 0.2, true, gen);                          // whole channels zeroed
//
// layer_norm is one recorded op (its forward and backward kernels, and under create_graph its
// backward in recorded ops). The others are compositions of recorded ops (mean, sub, mul, sqrt,
// index_select, where, ...): they record no node of their own (they are not in
// engine/tensor_ops.hpp's list), their gradients are made of ops whose backward is checked, and
// gradients of gradients (create_graph) work through them.
// Argument errors name the function and the shapes.
#pragma once

#include "autograd/random.hpp"
#include "autograd/tensor.hpp"

#include <cstdint>
#include <optional>

namespace autograd {

/// Normalises over the last dimensions, whose sizes are `normalized_shape` (x's trailing sizes):
/// y = (x - mean) / sqrt(var + eps) * weight + bias, mean and the biased var taken over those
/// dimensions for each leading index. weight and bias have shape normalized_shape; either may be
/// undefined (no scale, no shift). torch.nn.functional.layer_norm.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

/// Batch normalisation of x [N, C, ...] ([N, C], [N, C, L], [N, C, H, W]) per channel C. In
/// training, the statistics are the batch's (over N and every axis after C: N; N and L; N, H and
/// W), the biased variance normalises, and when running_mean
/// and running_var are defined they are updated in place (no graph):
/// running = (1 - momentum) * running + momentum * batch, with the unbiased variance, PyTorch's
/// convention. Training needs more than one value per channel. In evaluation the running
/// statistics normalise (they must be given). weight and bias [C] may be undefined.
/// torch.nn.functional.batch_norm.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);

/// The rows of `weight` [num_embeddings, dim] picked by `indices` (any shape): the result has
/// shape indices.shape() + [dim]. Indices are int64 (torch's), or for compatibility with code from
/// before int64 tensors floating-point values that are integers, in [0, num_embeddings); anything
/// else throws std::out_of_range naming the position, the value and the range. With padding_idx
/// (negative counts from the end, as in PyTorch), that row's gradient is zero: it is looked up but
/// never trained.
/// With max_norm, as PyTorch: before the lookup, each row that `indices` names whose norm_type-norm
/// exceeds max_norm is scaled IN PLACE in `weight` to max_norm / (norm + 1e-7) times itself. The
/// renormalisation is not recorded (no gradient flows through it), and weight's data changes.
/// torch.nn.functional.embedding.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx = {},
                 std::optional<double> max_norm = {}, double norm_type = 2.0);

/// In training, zeroes each whole channel x[n, c, :, :] of x [N, C, H, W] with probability p and
/// scales the rest by 1 / (1 - p); otherwise (or with p = 0) returns x. The mask, drawn from
/// `gen`, is a constant of the graph. torch.nn.functional.dropout2d.
Tensor dropout2d(const Tensor& x, double p, bool training, Generator& gen);

} // namespace autograd
