#include "nn/data/byte_image_dataset.hpp"

#include <autograd/cpu/prefetch.hpp>
#include <autograd/cpu/simd.hpp>
#include <autograd/tensor.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

ByteImageDataset::ByteImageDataset(std::vector<std::uint8_t> pixels, std::int64_t features,
                                   std::vector<std::int64_t> labels, autograd::Dtype dtype)
    : features_(features), dtype_(dtype)
{
    if (features < 1)
        throw std::invalid_argument(
            fmt::format("ByteImageDataset: {} features per sample (a sample needs at least one pixel)", features));
    // Divided rather than multiplied: a product of absurd sizes could wrap around and match.
    const auto f = static_cast<std::uint64_t>(features);
    if (pixels.size() % f != 0 || pixels.size() / f != labels.size())
        throw std::invalid_argument(fmt::format("ByteImageDataset: {} pixel bytes for {} labels of {} features (want "
                                                "{} bytes)",
                                                pixels.size(), labels.size(), features, labels.size() * f));
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] < 0)
            throw std::invalid_argument(fmt::format(
                "ByteImageDataset: label {} of sample {} is negative (class indices start at 0)", labels[i], i));
    pixels_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(pixels));
    labels_ = std::make_shared<const std::vector<std::int64_t>>(std::move(labels));
}

Batch ByteImageDataset::gather(std::span<const std::int64_t> indices) const
{
    const auto rows = static_cast<std::int64_t>(indices.size());
    const std::int64_t f = features_;
    Tensor features = Tensor::empty({rows, f}, dtype_); // every element is written below
    Tensor targets = Tensor::empty({rows}, autograd::Dtype::Int64); // class labels: int64, as torch's
    autograd::dispatch(dtype_, [&]<class T>() {
        const std::uint8_t* __restrict px = pixels_->data();
        T* __restrict out = features.data_ptr<T>();
        const std::int64_t* index = indices.data();
        // NOTE: divided by 255, not multiplied by 1/255 (which rounds differently for some
        // pixels): batches equal load_mnist's float images bit for bit. A vector division per 8
        // floats is still far below the cost of the step that uses the batch.
        // The rows of a shuffled batch lie anywhere in the pixels (6.3 MB for MNIST-10k, beyond
        // L2) and the hardware prefetcher follows a row only once it is being read, so the row
        // kPrefetchRows ahead is asked for while this one is converted: W2's batches took 2.1-2.8
        // ms an epoch to assemble without, 0.9-1.1 ms with, at batch 64 (2.5 -> 0.9 at 256).
        constexpr std::int64_t kPrefetchRows = 4;
        const auto row_bytes = static_cast<std::size_t>(f);
        for (std::int64_t r = 0; r < std::min(rows, kPrefetchRows); ++r)
            autograd::detail::prefetch_lines(px + index[r] * f, row_bytes);
        autograd::detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
            for (std::int64_t r = 0; r < rows; ++r) {
                if (r + kPrefetchRows < rows)
                    autograd::detail::prefetch_lines(px + index[r + kPrefetchRows] * f, row_bytes);
                const std::uint8_t* __restrict src = px + index[r] * f;
                T* __restrict dst = out + r * f;
                for (std::int64_t j = 0; j < f; ++j)
                    dst[j] = static_cast<T>(src[j]) / T(255);
            }
        });
        std::int64_t* pt = targets.data_ptr<std::int64_t>();
        for (std::int64_t r = 0; r < rows; ++r)
            pt[r] = (*labels_)[static_cast<std::size_t>(index[r])];
    });
    return {features, targets};
}

} // namespace nn
