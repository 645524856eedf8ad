// Losses of tensor models (torch.nn.functional's), each reducing by mean (the default), sum or
// not at all. The scalar engine's losses are in nn/scalar/loss.hpp.
//
//   Tensor loss = nn::cross_entropy(model(x), labels);      // labels [N]: int64 class indices
//   Tensor loss = nn::mse_loss(model(x), targets, nn::Reduction::Sum);
#pragma once

#include <autograd/tensor.hpp>
#include <autograd/ops/loss.hpp>

namespace nn {

using autograd::Reduction;

/// (input - target)^2, shapes equal.
autograd::Tensor mse_loss(const autograd::Tensor& input, const autograd::Tensor& target,
                          Reduction reduction = Reduction::Mean);
/// lse(logits_i) - logits_i[label_i]: one fused op (autograd/ops/loss.hpp), stable for any logits.
autograd::Tensor cross_entropy(const autograd::Tensor& logits, const autograd::Tensor& labels,
                               Reduction reduction = Reduction::Mean);
/// -log_probs_i[label_i], for log-probabilities (a LogSoftmax output): a gather, no one-hot matrix.
/// Labels as cross_entropy's: int64, or floats holding integers.
autograd::Tensor nll_loss(const autograd::Tensor& log_probs, const autograd::Tensor& labels,
                          Reduction reduction = Reduction::Mean);
/// -(y log p + (1 - y) log(1 - p)) for probabilities p, each log clamped at -100 as in PyTorch.
autograd::Tensor binary_cross_entropy(const autograd::Tensor& p, const autograd::Tensor& target,
                                      Reduction reduction = Reduction::Mean);
/// The same with each element's loss multiplied by `weight` (broadcast to p's shape; PyTorch's
/// `weight`, e.g. per-class rescaling of a multi-label output). The mean divides by the number of
/// elements, not by the sum of the weights, as PyTorch does. An undefined weight means none.
autograd::Tensor binary_cross_entropy(const autograd::Tensor& p, const autograd::Tensor& target,
                                      const autograd::Tensor& weight, Reduction reduction = Reduction::Mean);
/// The same from logits x, stably: max(x, 0) - x y + log(1 + e^-|x|).
autograd::Tensor binary_cross_entropy_with_logits(const autograd::Tensor& x, const autograd::Tensor& target,
                                                  Reduction reduction = Reduction::Mean);
/// |input - target|, shapes equal; gradient sign(input - target), 0 at a tie (PyTorch's).
autograd::Tensor l1_loss(const autograd::Tensor& input, const autograd::Tensor& target,
                         Reduction reduction = Reduction::Mean);
/// 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target), shapes equal;
/// beta 0 is l1_loss, a negative beta throws (as PyTorch). Composed: c = min(|d|, beta) gives
/// 0.5 c^2 / beta + (|d| - c), whose gradient is d / beta inside and sign(d) outside.
autograd::Tensor smooth_l1_loss(const autograd::Tensor& input, const autograd::Tensor& target,
                                Reduction reduction = Reduction::Mean, double beta = 1.0);
/// 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere: smooth_l1_loss times delta,
/// with a gradient clipped at +-delta. delta must be positive (as PyTorch).
autograd::Tensor huber_loss(const autograd::Tensor& input, const autograd::Tensor& target,
                            Reduction reduction = Reduction::Mean, double delta = 1.0);
/// KL(target || exp(input)) per element for log-probabilities `input`: target (log target - input)
/// with 0 where target == 0 (PyTorch's xlogy), or, with log_target, e^target (target - input) for
/// log-probability targets. Shapes equal. Mean is the mean over all elements (PyTorch's default,
/// which warns there, as it is not the KL divergence of the rows; no warning here): the batch
/// mean is kl_div_batchmean. Differentiable in both input and target.
autograd::Tensor kl_div(const autograd::Tensor& input, const autograd::Tensor& target,
                        Reduction reduction = Reduction::Mean, bool log_target = false);
/// kl_div summed and divided by input.size(0) (PyTorch's reduction="batchmean": the KL divergence
/// per row of a batch of distributions); a 0-d input is not divided (as PyTorch).
autograd::Tensor kl_div_batchmean(const autograd::Tensor& input, const autograd::Tensor& target,
                                  bool log_target = false);
/// relu(1 - y score) with labels y in {-1, +1} (anything else throws): micrograd's moons loss.
autograd::Tensor hinge_loss(const autograd::Tensor& scores, const autograd::Tensor& labels,
                            Reduction reduction = Reduction::Mean);

} // namespace nn
