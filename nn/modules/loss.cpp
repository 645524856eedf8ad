#include "nn/modules/loss.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace nn {

using autograd::Tensor;
using autograd::reduce;

namespace {

void require_same_shape(const char* loss, const Tensor& a, const Tensor& b)
{
    if (!a.defined() || !b.defined() || a.shape() != b.shape())
        throw std::invalid_argument(fmt::format("{}: input {} and target {} must have the same shape", loss,
                                                a.defined() ? autograd::to_string(a.shape()) : "undefined",
                                                b.defined() ? autograd::to_string(b.shape()) : "undefined"));
}

} // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction)
{
    require_same_shape("mse_loss", input, target);
    const Tensor d = input - target;
    return reduce(d * d, reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction)
{
    return autograd::cross_entropy(logits, labels, reduction);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& labels, Reduction reduction)
{
    if (!log_probs.defined() || !labels.defined() || log_probs.dim() != 2 || labels.dim() != 1 ||
        labels.size(0) != log_probs.size(0))
        throw std::invalid_argument(fmt::format("nll_loss: log_probs {} and labels {} (want [N, C] and [N])",
                                                log_probs.defined() ? autograd::to_string(log_probs.shape()) : "undefined",
                                                labels.defined() ? autograd::to_string(labels.shape()) : "undefined"));
    const std::int64_t c = log_probs.size(1);
    const std::vector<double> ys = labels.to_vector();
    for (std::size_t i = 0; i < ys.size(); ++i)
        if (!(ys[i] >= 0 && ys[i] < static_cast<double>(c) && ys[i] == std::floor(ys[i])))
            throw std::invalid_argument(
                fmt::format("nll_loss: label {} of row {} is not a class index in [0, {})", ys[i], i, c));
    const Tensor picked = autograd::gather(log_probs, 1, labels.unsqueeze(1)).squeeze(1);
    return reduce(-picked, reduction);
}

Tensor binary_cross_entropy(const Tensor& p, const Tensor& target, Reduction reduction)
{
    require_same_shape("binary_cross_entropy", p, target);
    return autograd::binary_cross_entropy(p, target, reduction);
}

Tensor binary_cross_entropy(const Tensor& p, const Tensor& target, const Tensor& weight, Reduction reduction)
{
    if (!weight.defined())
        return nn::binary_cross_entropy(p, target, reduction);
    require_same_shape("binary_cross_entropy", p, target);
    // The weight may broadcast to p's shape, but must not widen it (PyTorch expands the weight).
    if (autograd::broadcast_shapes("binary_cross_entropy", weight.shape(), p.shape()) != p.shape())
        throw std::invalid_argument(fmt::format("binary_cross_entropy: weight {} does not broadcast to input {}",
                                                autograd::to_string(weight.shape()), autograd::to_string(p.shape())));
    // NOTE: weighting the unreduced fused loss keeps PyTorch's finite gradient at p = 0 and 1.
    return reduce(autograd::binary_cross_entropy(p, target, Reduction::None) * weight, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& target, Reduction reduction)
{
    require_same_shape("binary_cross_entropy_with_logits", x, target);
    // max(x, 0) - x y + log(1 + e^-|x|): no exp of a large positive number on either side
    return reduce(relu(x) - x * target + autograd::log(1.0 + exp(-autograd::abs(x))), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction)
{
    require_same_shape("l1_loss", input, target);
    return reduce(autograd::abs(input - target), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta)
{
    require_same_shape("smooth_l1_loss", input, target);
    if (!(beta >= 0.0))
        throw std::invalid_argument(fmt::format("smooth_l1_loss: beta {} must be >= 0", beta));
    if (beta == 0.0) // PyTorch's: the quadratic piece vanishes, and 0.5 d^2 / 0 must not be formed
        return l1_loss(input, target, reduction);
    // NOTE: no select of the two pieces: min(|d|, beta) makes one formula of both, so the
    // gradient (d / beta inside, sign(d) outside, either at |d| == beta) and the second
    // derivative (1 / beta inside, 0 outside) are PyTorch's through the recorded ops.
    const Tensor a = autograd::abs(input - target);
    const Tensor c = autograd::clamp(a, std::nullopt, beta);
    return reduce(0.5 * c * c / beta + (a - c), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta)
{
    require_same_shape("huber_loss", input, target);
    if (!(delta > 0.0))
        throw std::invalid_argument(fmt::format("huber_loss: delta {} must be > 0", delta));
    if (std::isinf(delta)) // all quadratic, as PyTorch's; the formula below would meet inf * 0
        return reduce(0.5 * autograd::pow(input - target, 2.0), reduction);
    // As smooth_l1_loss: 0.5 c^2 + delta (|d| - c) with c = min(|d|, delta).
    const Tensor a = autograd::abs(input - target);
    const Tensor c = autograd::clamp(a, std::nullopt, delta);
    return reduce(0.5 * c * c + delta * (a - c), reduction);
}

namespace {

Tensor kl_div_per_element(const Tensor& input, const Tensor& target, bool log_target)
{
    require_same_shape("kl_div", input, target);
    if (log_target)
        return exp(target) * (target - input);
    // xlogy(t, t) = t log t, 0 at t == 0: the log of t + [t == 0] is log t, or log 1 = 0 at t == 0,
    // so neither the value nor the gradient (log t + 1, times t there: 0) meets 0 * -inf. A
    // negative target gives NaN, as PyTorch's.
    return target * autograd::log(target + autograd::eq(target, 0.0)) - target * input;
}

} // namespace

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target)
{
    return reduce(kl_div_per_element(input, target, log_target), reduction);
}

Tensor kl_div_batchmean(const Tensor& input, const Tensor& target, bool log_target)
{
    const Tensor total = kl_div_per_element(input, target, log_target).sum();
    if (input.dim() == 0)
        return total;
    if (input.size(0) == 0) // PyTorch gives NaN (0 / 0); a loss over no rows is a caller's mistake
        throw std::invalid_argument(fmt::format("kl_div: a batch mean over no rows (input {})",
                                                autograd::to_string(input.shape())));
    return total / static_cast<double>(input.size(0));
}

Tensor hinge_loss(const Tensor& scores, const Tensor& labels, Reduction reduction)
{
    require_same_shape("hinge_loss", scores, labels);
    // A label of 0 or 2 would train silently towards the wrong margin: refuse it.
    autograd::dispatch_any(labels.dtype(), [&]<class T>() { // int64 labels too
        const T* y = labels.data_ptr<T>();
        for (std::int64_t i = 0, n = labels.numel(); i < n; ++i)
            if (y[i] != T(1) && y[i] != T(-1))
                throw std::invalid_argument(
                    fmt::format("hinge_loss: label {} at index {} is not -1 or +1", static_cast<double>(y[i]), i));
    });
    return reduce(relu(1.0 - labels * scores), reduction);
}

} // namespace nn
