#include "nn/modules/norm.hpp"
#include "nn/modules/python_repr.hpp"

#include <autograd/grad_mode.hpp>
#include <autograd/ops/norm.hpp>

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace nn {

using autograd::Tensor;

LayerNorm::LayerNorm(autograd::Shape normalized_shape, LayerNormOptions options)
    : shape_(std::move(normalized_shape)), eps_(options.eps)
{
    if (shape_.empty())
        throw std::invalid_argument("LayerNorm: normalized_shape is empty");
    for (const std::int64_t s : shape_)
        if (s <= 0)
            throw std::invalid_argument(
                fmt::format("LayerNorm: normalized_shape {} must have positive sizes", autograd::to_string(shape_)));
    if (!(eps_ > 0.0))
        throw std::invalid_argument(fmt::format("LayerNorm: eps must be > 0 (got {})", eps_));
    if (options.elementwise_affine) {
        weight_ = register_parameter("weight", Tensor::ones(shape_, options.dtype));
        bias_ = register_parameter("bias", Tensor::zeros(shape_, options.dtype));
    }
}

Tensor LayerNorm::forward(const Tensor& x) { return autograd::layer_norm(x, shape_, weight_, bias_, eps_); }

std::string LayerNorm::extra_repr() const
{
    // As PyTorch prints it: "(64,), eps=1e-05, elementwise_affine=True".
    return fmt::format("{}, eps={}, elementwise_affine={}", python_tuple(shape_), eps_,
                       weight_.defined() ? "True" : "False");
}

BatchNorm::BatchNorm(const char* name, std::int64_t min_rank, std::int64_t max_rank, std::int64_t num_features,
                     const BatchNormOptions& options)
    : name_(name), min_rank_(min_rank), max_rank_(max_rank), num_features_(num_features), eps_(options.eps),
      momentum_(options.momentum)
{
    const autograd::Dtype dtype = options.dtype;
    if (num_features <= 0)
        throw std::invalid_argument(fmt::format("{}: num_features must be positive (got {})", name, num_features));
    if (!(eps_ > 0.0))
        throw std::invalid_argument(fmt::format("{}: eps must be > 0 (got {})", name, eps_));
    if (!(momentum_ >= 0.0 && momentum_ <= 1.0))
        throw std::invalid_argument(fmt::format("{}: momentum must be in [0, 1] (got {})", name, momentum_));
    if (options.affine) {
        weight_ = register_parameter("weight", Tensor::ones({num_features}, dtype));
        bias_ = register_parameter("bias", Tensor::zeros({num_features}, dtype));
    }
    if (options.track_running_stats) {
        running_mean_ = register_buffer("running_mean", Tensor::zeros({num_features}, dtype));
        running_var_ = register_buffer("running_var", Tensor::ones({num_features}, dtype));
        num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({}, autograd::Dtype::Int64));
    }
}

// As torch.nn.BatchNorm: batch statistics in training (and always without running statistics),
// the running ones in evaluation.
Tensor BatchNorm::forward(const Tensor& x)
{
    if (x.dim() < min_rank_ || x.dim() > max_rank_ || x.size(1) != num_features_)
        throw std::invalid_argument(fmt::format("{}: expected input of shape {} with C = {} (got {})", name_,
                                                max_rank_ == 4 ? "[N, C, H, W]" : "[N, C] or [N, C, L]", num_features_,
                                                autograd::to_string(x.shape())));
    const bool use_batch = is_training() || !running_mean_.defined();
    Tensor y = autograd::batch_norm(x, running_mean_, running_var_, weight_, bias_, use_batch, momentum_, eps_);
    if (!use_batch || !running_mean_.defined())
        return y;
    // Count the batch in place, after batch_norm accepted it, so the handle in the state dict sees it.
    autograd::NoGradGuard no_grad;
    *num_batches_tracked_.data_ptr<std::int64_t>() += 1;
    return y;
}

std::string BatchNorm::extra_repr() const
{
    return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features_, eps_, momentum_,
                       weight_.defined() ? "True" : "False", running_mean_.defined() ? "True" : "False");
}

} // namespace nn
