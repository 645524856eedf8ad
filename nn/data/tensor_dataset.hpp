// TensorDataset: a data set of two tensors whose first dimension indexes the same N samples, as
// torch.utils.data.TensorDataset.
//
//   nn::TensorDataset data(images, labels);                 // [N, 784] and [N]
//   nn::Batch b = data.get_batch(std::vector<std::int64_t>{4, 0});  // rows 4 and 0 of each
#pragma once

#include "nn/data/dataset.hpp"

#include <autograd/tensor.hpp>

#include <cstdint>

namespace nn {

/// Holds handles: the data is shared with the tensors given, not copied, so copies of the data
/// set are cheap and see in-place updates of the tensors.
class TensorDataset final : public Dataset {
public:
    /// features [N, ...] and targets [N, ...]; throws std::invalid_argument unless both are
    /// defined, at least 1-d, and have the same N.
    TensorDataset(autograd::Tensor features, autograd::Tensor targets);
    std::int64_t size() const override { return features_.size(0); }
    const autograd::Tensor& features() const { return features_; }
    const autograd::Tensor& targets() const { return targets_; }

private:
    Batch gather(std::span<const std::int64_t> indices) const override;

    autograd::Tensor features_, targets_;
};

} // namespace nn
