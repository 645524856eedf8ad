// ByteImageDataset: images kept as their bytes (one uint8 a pixel) with a class label each,
// converted to floats in [0, 1] (pixel / 255) only when a batch is assembled, as torchvision keeps
// MNIST and converts each sample when it is fetched. A quarter of the memory of float32 images
// (MNIST-10k's 8000 training images: 6.3 MB instead of 25 MB), at the price of a conversion
// of each batch's rows: a vectorised loop, a small fraction of a training step.
//
//   nn::ByteImageDataset train = nn::load_mnist_bytes("data/mnist-10k", "train");
//   nn::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 0});
//   for (const nn::Batch& b : loader) { ... b.features [64, 784] in [0, 1], b.targets [64] ... }
//
// The features of a batch are exactly (bit for bit) those of the same rows of the float tensor
// that load_mnist returns: both are float(pixel) / 255 in the batch's dtype.
#pragma once

#include "nn/data/dataset.hpp"

#include <autograd/dtype.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace nn {

/// Holds handles: copies of the data set share its (immutable) bytes, so a copy is cheap.
class ByteImageDataset final : public Dataset {
public:
    /// N samples of `features` pixels each: `pixels` holds them row-major (N * features bytes),
    /// `labels` their N class indices. Batches are of `dtype`: features [B, features] as
    /// pixel / 255, targets [B] the class indices as int64 (torch's convention). Throws
    /// std::invalid_argument naming the sizes unless features >= 1 and pixels.size() ==
    /// labels.size() * features, or naming the sample for a negative label.
    ByteImageDataset(std::vector<std::uint8_t> pixels, std::int64_t features, std::vector<std::int64_t> labels,
                     autograd::Dtype dtype = autograd::Dtype::Float32);

    std::int64_t size() const override { return static_cast<std::int64_t>(labels_->size()); }
    /// Pixels per sample.
    std::int64_t num_features() const { return features_; }
    autograd::Dtype dtype() const { return dtype_; }
    std::span<const std::uint8_t> pixels() const { return *pixels_; }
    std::span<const std::int64_t> labels() const { return *labels_; }

private:
    Batch gather(std::span<const std::int64_t> indices) const override;

    std::shared_ptr<const std::vector<std::uint8_t>> pixels_;
    std::shared_ptr<const std::vector<std::int64_t>> labels_;
    std::int64_t features_;
    autograd::Dtype dtype_;
};

} // namespace nn
