#include "nn/data/dataset.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace nn {

// The check costs one comparison a row; the copy it guards costs a row's bytes.
Batch Dataset::get_batch(std::span<const std::int64_t> indices) const
{
    const std::int64_t n = size();
    for (std::size_t i = 0; i < indices.size(); ++i)
        if (indices[i] < 0 || indices[i] >= n)
            throw std::out_of_range(fmt::format("Dataset::get_batch: index {} (position {} of {}) is outside the {} "
                                                "samples [0, {})",
                                                indices[i], i, indices.size(), n, n));
    return gather(indices);
}

} // namespace nn
