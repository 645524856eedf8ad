// Normalisation layers: LayerNorm, BatchNorm1d and BatchNorm2d, as torch.nn's.
//
//   nn::LayerNorm ln({64});                  // weight (ones) and bias (zeros) [64]
//   nn::BatchNorm2d bn(16, {.momentum = 0.01, .dtype = autograd::Dtype::Float64});   // x [N, 16, H, W]
//   nn::BatchNorm1d seq(16);                 // x [N, 16] or [N, 16, L]: statistics over N (and L)
//   bn.train(); y = bn(x);                   // batch statistics; running_mean/var updated
//   bn.eval();  y = bn(x);                   // the running statistics
//   bn.state_dict();                         // weight, bias, running_mean, running_var, num_batches_tracked
//
// The running statistics and the count of training batches are buffers: saved and loaded with
// the state dict under PyTorch's names, never trained. num_batches_tracked is an int64 scalar,
// as PyTorch's, whatever the module's dtype.
#pragma once

#include "nn/modules/module.hpp"

namespace nn {

/// LayerNorm's settings, torch.nn.LayerNorm's defaults.
struct LayerNormOptions {
    double eps = 1e-5;
    bool elementwise_affine = true; // a weight and a bias of normalized_shape
    autograd::Dtype dtype = autograd::Dtype::Float32;
};

/// BatchNorm1d's and BatchNorm2d's settings, torch.nn.BatchNorm's defaults.
struct BatchNormOptions {
    double eps = 1e-5;
    double momentum = 0.1; // running = (1 - momentum) * running + momentum * batch
    bool affine = true;    // a weight and a bias per channel
    bool track_running_stats = true;
    autograd::Dtype dtype = autograd::Dtype::Float32;
};

class LayerNorm : public Module {
public:
    explicit LayerNorm(autograd::Shape normalized_shape, LayerNormOptions options = {});

    autograd::Tensor forward(const autograd::Tensor& x) override;
    std::string type_name() const override { return "LayerNorm"; }
    std::string extra_repr() const override;

    /// Undefined without elementwise_affine.
    const autograd::Tensor& weight() const { return weight_; }
    const autograd::Tensor& bias() const { return bias_; }

private:
    autograd::Shape shape_;
    double eps_;
    autograd::Tensor weight_, bias_;
};

/// The shared part of BatchNorm1d and BatchNorm2d, which differ only in the input's ranks.
class BatchNorm : public Module {
public:
    autograd::Tensor forward(const autograd::Tensor& x) override;
    std::string extra_repr() const override;

    const autograd::Tensor& weight() const { return weight_; }
    const autograd::Tensor& bias() const { return bias_; }
    const autograd::Tensor& running_mean() const { return running_mean_; }
    const autograd::Tensor& running_var() const { return running_var_; }
    const autograd::Tensor& num_batches_tracked() const { return num_batches_tracked_; }

protected:
    /// Inputs of min_rank to max_rank dimensions are taken.
    BatchNorm(const char* name, std::int64_t min_rank, std::int64_t max_rank, std::int64_t num_features,
              const BatchNormOptions& options);

private:
    const char* name_;
    std::int64_t min_rank_, max_rank_, num_features_;
    double eps_, momentum_;
    autograd::Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

/// Batch normalisation of [N, C] or [N, C, L] inputs (over N, or N and L, per channel).
class BatchNorm1d : public BatchNorm {
public:
    explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {})
        : BatchNorm("BatchNorm1d", 2, 3, num_features, options)
    {
    }
    std::string type_name() const override { return "BatchNorm1d"; }
};

/// Batch normalisation of [N, C, H, W] inputs.
class BatchNorm2d : public BatchNorm {
public:
    explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {})
        : BatchNorm("BatchNorm2d", 4, 4, num_features, options)
    {
    }
    std::string type_name() const override { return "BatchNorm2d"; }
};

} // namespace nn
